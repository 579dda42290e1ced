"""A partner endpoint that hangs holds only its own host's slots: others keep receiving (a real notifier
process with a small pool, so that the hanging requests could fill it if nothing capped them per host)."""

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx

from kentongan.dev.platform import ServiceProcess
from kentongan.dev.stack import free_port
from kentongan.dev.testing import eventually
from kentongan.events.referrals import ReferralCreated
from notifier.main import SPEC

# 4 requests in flight at most, 2 per host; a hanging request would hold its slot for 30 s.
ENV = {"NOTIFIER_DELIVERY_CONCURRENCY": "4", "NOTIFIER_MAX_IN_FLIGHT_PER_HOST": "2",
       "NOTIFIER_REQUEST_TIMEOUT_S": "30", "NOTIFIER_INTERRUPTED_AFTER_S": "40", "NOTIFIER_POLL_INTERVAL_S": "0.2"}


def referral(agency: str) -> ReferralCreated:
    return ReferralCreated(referral_id=uuid4(), report_id=uuid4(), agency=agency, category="bullying",
                           victim_age_group="child", status="created", changed_at=datetime.now(UTC), version=1)


async def test_a_hanging_partner_does_not_hold_up_another(stack, receiver, other_receiver, publish,
                                                          partner_headers):
    slow, fast = f"slow-{uuid4().hex[:6]}", f"fast-{uuid4().hex[:6]}"
    hanging = f"/{slow}/hangs"
    receiver.hang.add(hanging)
    env = {k: os.environ[k] for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KENTONGAN_ENV")}
    process = ServiceProcess(SPEC, {**env, **ENV, "NOTIFIER_CONSUMER_GROUP": f"notifier-{slow}"}, free_port(),
                             Path(tempfile.mkdtemp(prefix="notifier-isolation-")))
    process.start()
    try:
        async with httpx.AsyncClient(base_url=process.url) as client:
            for agency, url in ((slow, receiver.url(hanging)), (fast, other_receiver.url(f"/{fast}"))):
                body = {"url": url, "event_types": [ReferralCreated.ce_type]}
                response = await client.post("/v1/subscriptions", json=body, headers=partner_headers(agency))
                assert response.status_code == 201, response.text
        for _ in range(6):
            await publish(referral(slow))
        await eventually(lambda: _received(receiver, hanging, 2))

        await publish(referral(fast))
        await eventually(lambda: _received(other_receiver, f"/{fast}", 1), timeout_s=15)
        assert len(receiver.to(hanging)) == 2  # never more than its host's share at once

        receiver.hang.discard(hanging)
        await eventually(lambda: _received(receiver, hanging, 6), timeout_s=30)  # the rest follow, none lost
    finally:
        receiver.hang.discard(hanging)
        process.stop()


async def _received(receiver, path: str, count: int) -> bool:
    return len(receiver.to(path)) >= count
