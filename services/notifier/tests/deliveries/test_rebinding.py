"""In production a webhook reaches public addresses only, checked when connecting: a partner's host name that
was public when subscribed and now resolves to the platform's own network gets nothing (DNS rebinding)."""

from uuid import uuid4

from notifier.channels.base import Outgoing
from notifier.channels.http import WebhookChannel, http_client


def _webhook(url: str) -> Outgoing:
    return Outgoing(delivery_id=uuid4(), channel="webhook", target=url, payload={"type": "kentongan.test"})


async def test_a_host_name_resolving_to_loopback_is_not_called_when_public_only(receiver):
    url = f"http://localhost:{receiver.port}/rebound"  # a name, as a rebinding attacker's would be
    async with http_client(4, 5, public_only=True) as client:
        refused = await WebhookChannel(client).send(_webhook(url))
    assert not refused.ok and "no public address" in refused.error
    assert receiver.to("/rebound") == []

    async with http_client(4, 5) as client:  # outside production (the tests' receivers are local)
        assert (await WebhookChannel(client).send(_webhook(url))).ok
    assert len(receiver.to("/rebound")) == 1
