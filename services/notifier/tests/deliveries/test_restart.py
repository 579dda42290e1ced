"""A notifier killed mid-send and restarted sends nothing twice (this module runs no in-process notifier).

The killed process uses a consumer group of its own: the embedded broker never expires a SIGKILLed
member, and that must not stall the other modules' consumers.
"""

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

# A request may take 2 s; a claim older than 3 s belongs to a dead worker.
ENV = {"NOTIFIER_REQUEST_TIMEOUT_S": "2", "NOTIFIER_INTERRUPTED_AFTER_S": "3", "NOTIFIER_POLL_INTERVAL_S": "0.2"}


def _process(group: str) -> ServiceProcess:
    env = {k: os.environ[k] for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KENTONGAN_ENV")}
    return ServiceProcess(SPEC, {**env, **ENV, "NOTIFIER_CONSUMER_GROUP": group}, free_port(),
                          Path(tempfile.mkdtemp(prefix="notifier-restart-")))


async def _subscribe(url: str, headers: dict, *paths_urls: str) -> None:
    async with httpx.AsyncClient(base_url=url, headers=headers) as client:
        for target in paths_urls:
            body = {"url": target, "event_types": [ReferralCreated.ce_type]}
            assert (await client.post("/v1/subscriptions", json=body)).status_code == 201


async def test_a_restart_mid_delivery_sends_no_duplicate(stack, receiver, publish, partner_headers):
    agency, group = f"dp3a-{uuid4().hex[:6]}", f"notifier-restart-{uuid4().hex[:6]}"
    hanging, healthy = f"/{agency}/hangs", f"/{agency}/fine"
    receiver.hang.add(hanging)
    first = _process(group)
    first.start()
    try:
        await _subscribe(first.url, partner_headers(agency), receiver.url(hanging), receiver.url(healthy))
        envelope = await publish(ReferralCreated(referral_id=uuid4(), report_id=uuid4(), agency=agency,
                                                 category="bullying", victim_age_group="child", status="created",
                                                 changed_at=datetime.now(UTC), version=1))
        await eventually(lambda: _received(receiver, hanging, healthy), timeout_s=30)
        async with httpx.AsyncClient(base_url=first.url, headers=partner_headers(agency)) as client:
            await eventually(lambda: _healthy_recorded(client, envelope.id, receiver.url(healthy)), timeout_s=30)
    finally:
        first.kill()  # SIGKILL while the request to `hanging` is in flight
    receiver.hang.discard(hanging)

    second = _process(group)
    second.start()
    try:
        async with httpx.AsyncClient(base_url=second.url, headers=partner_headers(agency)) as client:
            settled = await eventually(lambda: _settled(client, envelope.id), timeout_s=30)
            assert len(receiver.to(hanging)) == 1  # nothing re-sent on its own
            interrupted = settled[receiver.url(hanging)]
            replay = await client.post(f"/v1/deliveries/{interrupted['id']}/retry")
            assert replay.status_code == 202
            replayed = await eventually(lambda: _status(client, interrupted["id"], "delivered"), timeout_s=30)
    finally:
        second.stop()

    assert interrupted["status"] == "interrupted"
    assert [a["outcome"] for a in interrupted["attempts"]] == ["interrupted"]
    assert settled[receiver.url(healthy)]["status"] == "delivered" and len(receiver.to(healthy)) == 1
    assert [a["outcome"] for a in replayed["attempts"]] == ["interrupted", "delivered"]
    assert len(receiver.to(hanging)) == 2  # the original and the partner's explicit replay


async def _received(receiver, *paths):
    return all(receiver.to(path) for path in paths)


async def _healthy_recorded(client: httpx.AsyncClient, event_id: str, url: str) -> bool:
    deliveries = (await client.get("/v1/deliveries")).json()["items"]
    return any(d["event_id"] == event_id and d["target"] == url and d["status"] == "delivered" for d in deliveries)


async def _settled(client: httpx.AsyncClient, event_id: str):
    mine = [d for d in (await client.get("/v1/deliveries")).json()["items"] if d["event_id"] == event_id]
    done = {d["target"]: d for d in mine if d["status"] in ("delivered", "interrupted")}
    return done if len(done) == 2 else None


async def _status(client: httpx.AsyncClient, delivery_id: str, status: str):
    delivery = (await client.get(f"/v1/deliveries/{delivery_id}")).json()
    return delivery if delivery["status"] == status else None
