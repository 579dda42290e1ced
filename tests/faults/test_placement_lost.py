"""An alarm whose placement the gateway never heard of (the broker lost dispatch's incident event) is published
again by the gateway; dispatch, which placed it already, announces the placement again, and the gateway stops.

The loss is made exact here: once the alarm is placed, the gateway is put back in the state it would be in had
the incident event been lost (its copy of the alarm's event, due for a re-send), with the very event the
broker holds on `alarms.v1`."""

import asyncio
import time

import orjson
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kentongan.dev.testing import eventually
from kentongan.events import topics
from kentongan.events.incidents import IncidentPlacementConfirmed

ALL_STATUSES = ["open", "acknowledged", "assigned", "en_route", "on_scene", "resolved", "cancelled"]


async def _record_of(settings, alarm_id: str):
    """The alarm's event as the broker holds it on alarms.v1."""
    consumer = AIOKafkaConsumer(topics.ALARMS, bootstrap_servers=settings.kafka_bootstrap_servers,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=2000)).values():
                for record in records:
                    if record.key == alarm_id.encode():
                        return record
        raise AssertionError(f"alarm {alarm_id} not found on {topics.ALARMS}")
    finally:
        await consumer.stop()


async def _lose_the_placement(engine, record) -> None:
    """What the gateway keeps of an alarm no incident event has named, due for a re-send now."""
    headers = {name: value.decode() for name, value in record.headers}
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO alarm_gateway.awaiting_placement (subject, event_id, event_type, topic, headers, value, "
            "created_at, resend_at) VALUES (:subject, :event_id, :event_type, :topic, CAST(:headers AS jsonb), "
            ":value, now() - interval '20 seconds', now())"),
            {"subject": record.key.decode(), "event_id": headers["ce_id"], "event_type": headers["ce_type"],
             "topic": record.topic, "headers": orjson.dumps(headers).decode(), "value": record.value})


async def _awaiting(engine, alarm_id: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM alarm_gateway.awaiting_placement "
                                        "WHERE subject = :subject"), {"subject": alarm_id})).scalar_one()


async def _confirmations(engine, alarm_id: str) -> list[dict]:
    """dispatch's announcements (kept in its outbox a day) that this alarm is placed, again."""
    async with engine.connect() as conn:
        values = (await conn.execute(text("SELECT value FROM dispatch.outbox WHERE event_type = :type ORDER BY seq"),
                                     {"type": IncidentPlacementConfirmed.ce_type})).scalars()
        return [event for event in map(orjson.loads, values) if event["alarm_id"] == alarm_id]


async def test_a_resent_alarm_already_placed_is_announced_again_and_the_gateway_stops(
        settings, citizens, operator, alarm_body, gateway_resends):
    body = alarm_body()
    assert (await citizens.raise_alarm(body)).status_code == 202
    alarm_id = body["id"]
    engine = create_async_engine(settings.database_url, pool_size=1)
    try:
        async def placed():
            found = (await operator.get("/v1/incidents", params={"status": ALL_STATUSES,
                                                                 "alarm_id": alarm_id})).json()["items"]
            return found and await _awaiting(engine, alarm_id) == 0 and found

        [incident] = await eventually(placed, timeout_s=30)
        resent_before = await asyncio.to_thread(gateway_resends)

        await _lose_the_placement(engine, await _record_of(settings, alarm_id))

        async def heard_again():
            return await _awaiting(engine, alarm_id) == 0

        await eventually(heard_again, timeout_s=30, interval_s=0.2)
        assert await asyncio.to_thread(gateway_resends) - resent_before >= 1  # it was published again
        [confirmed] = await _confirmations(engine, alarm_id)  # announced once, naming the alarm
        assert confirmed["incident_id"] == incident["id"]
        # The same incident, unchanged: one alarm, the same version; the alarm still in it once.
        [after] = (await operator.get("/v1/incidents", params={"status": ALL_STATUSES,
                                                               "alarm_id": alarm_id})).json()["items"]
        assert (after["id"], after["alarm_count"], after["version"]) == (incident["id"], 1, incident["version"])
        await asyncio.sleep(3)  # past another check of the gateway's re-send watch: it sends no more
        assert await _awaiting(engine, alarm_id) == 0
        assert len(await _confirmations(engine, alarm_id)) == 1
    finally:
        await engine.dispose()
