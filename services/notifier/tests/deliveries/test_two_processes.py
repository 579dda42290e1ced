"""Two notifier processes share the deliveries with no double send, and when one is killed with SIGKILL the
other finishes the work: claims live in PostgreSQL (FOR UPDATE SKIP LOCKED), not in the broker's group.

The embedded broker never expires a SIGKILLed group member, so the partitions the dead process consumed stay
stalled until it comes back with its static member id (Apache Kafka reassigns them after the session
timeout). This test therefore lets both consume until every delivery is queued, then kills one mid-send."""

import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from uuid import uuid4

import httpx
import notifier_fakes as fake
from sqlalchemy import func, select

from kentongan.db import create_engine, create_sessionmaker
from kentongan.dev.platform import ServiceProcess
from kentongan.dev.receivers import serving
from kentongan.dev.stack import free_port
from kentongan.dev.testing import eventually
from kentongan.events.incidents import IncidentOpened
from notifier.main import SPEC
from notifier.models import Delivery

REPRESENTATIVES, INCIDENTS = 20, 12  # 240 SMS
ENV = {"NOTIFIER_REQUEST_TIMEOUT_S": "2", "NOTIFIER_INTERRUPTED_AFTER_S": "3", "NOTIFIER_POLL_INTERVAL_S": "0.2",
       "NOTIFIER_DELIVERY_CONCURRENCY": "16"}


def _process(group: str, sms_url: str) -> ServiceProcess:
    env = {k: os.environ[k] for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KENTONGAN_ENV")}
    return ServiceProcess(SPEC, {**env, **ENV, "NOTIFIER_CONSUMER_GROUP": group, "NOTIFIER_SMS_URL": sms_url},
                          free_port(), Path(tempfile.mkdtemp(prefix="notifier-pair-")))


async def test_two_processes_share_the_work_and_survive_a_sigkill(stack, publish, area, incident_event,
                                                                  operator_headers):
    providers = fake.FakeProviders(free_port(), gateway_delay_s=0.5)
    group, kelurahan = f"notifier-pair-{uuid4().hex[:6]}", f"Kel {uuid4().hex[:8]}"
    lat, lon = area
    engine = create_engine(os.environ["DATABASE_URL"], 2)
    sessions = create_sessionmaker(engine)
    first, second = _process(group, providers.url("/gateway/send")), _process(group, providers.url("/gateway/send"))
    async with serving(providers, providers.port):
        first.start()
        second.start()
        try:
            async with httpx.AsyncClient(base_url=first.url, headers=operator_headers("admin")) as client:
                for n in range(REPRESENTATIVES):
                    code = f"P-{uuid4().hex[:10]}"
                    body = {"code": code, "name": f"Pak {n}", "role": "rt", "kecamatan": "Semarang Tengah",
                            "kelurahan": kelurahan, "rw": "01", "rt": f"{n:02d}", "lat": lat + n * 1e-5, "lon": lon,
                            "contacts": [{"channel": "sms", "address": f"+6281{n:09d}"}]}
                    assert (await client.put(f"/v1/representatives/{code}", json=body)).status_code == 200
            incidents = [incident_event(IncidentOpened, lat, lon) for _ in range(INCIDENTS)]
            for incident in incidents:
                await publish(incident)
            ids = [i.incident_id for i in incidents]
            total = REPRESENTATIVES * INCIDENTS

            async def count(*statuses: str) -> int:
                async with sessions() as session:
                    query = select(func.count()).select_from(Delivery).where(Delivery.incident_id.in_(ids))
                    if statuses:
                        query = query.where(Delivery.status.in_(statuses))
                    return await session.scalar(query)

            started = time.monotonic()
            await eventually(lambda: _at_least(count(), total), timeout_s=60)
            print(f"queued after {time.monotonic() - started:.1f} s")
            await eventually(lambda: _at_least(count("delivered"), total // 5), timeout_s=60)
            first.kill()  # mid-send: up to 16 of its requests in flight
            killed = time.monotonic()
            await eventually(lambda: _at_least(count("delivered", "interrupted"), total), timeout_s=90)
            print(f"settled {time.monotonic() - killed:.1f} s after the kill")
        finally:
            first.kill()
            second.stop()
            await engine.dispose()
        references = Counter(r.json()["reference"] for r in providers.to("/gateway/send"))
        async with sessions() as session:
            rows = (await session.execute(select(Delivery.id, Delivery.status)
                                          .where(Delivery.incident_id.in_(ids)))).all()
    assert len(rows) == total
    assert max(references.values()) == 1  # no message was sent twice
    delivered = {str(row.id) for row in rows if row.status == "delivered"}
    interrupted = [row for row in rows if row.status == "interrupted"]
    assert delivered <= set(references)  # each delivered one reached the gateway exactly once
    # Interrupted: what the killed process had claimed, in flight or sent but not yet recorded (at most its
    # concurrency, twice); never resent on their own (at most once), the rest all delivered by the survivor.
    assert len(interrupted) <= 2 * 16 and len(delivered) + len(interrupted) == total


async def _at_least(counting, wanted: int) -> bool:
    return await counting >= wanted
