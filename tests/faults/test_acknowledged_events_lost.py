"""The broker crashes and loses acknowledged alarm events for certain; the gateway's re-send places them all.

A single broker that crashes loses the tail of its log it had already acknowledged (Kafka relies on replicas,
not on fsync); a plain SIGKILL (`test_faults.py`) loses such writes only now and then. Here the loss is made
certain: dispatch is stopped, alarms are raised (202) until the gateway's outbox has published them and the
broker holds them, the broker's process group is killed with SIGKILL and restarted, and then every record of
`alarms.v1` dispatch has not read is deleted with Kafka's DeleteRecords admin request, as if the crash had
taken the whole unread tail. Dispatch starts again and finds nothing: only the gateway's re-send (the same
event, published again after ALARM_GATEWAY_PLACEMENT_TIMEOUT_S, 5 s in these tests) can bring the alarms to an
operator. The same holds for urgent reports, which report-intake re-sends until dispatch opened an incident.

Why DeleteRecords rather than restarting the broker with its data directory wiped (a broker that lost its
disk): the wiped broker would lose every topic, every consumer group's offsets and every other test's events
with them, leaving the session's broker unlike any Kafka after a crash (and with replicas on other brokers a
lost disk loses nothing); the deletion takes exactly the unread records of one topic and nothing else. It is
a standard admin request (Kafka 0.11 on, for topics with `cleanup.policy=delete`, as the event topics are),
which the embedded noida broker answers too, so this test runs as is against a real cluster
(`KENTONGAN_TEST_USE_ENV=1`, without the SIGKILL it cannot do there). It deletes after the restart, not
before the kill: the embedded broker may lose the deletion in the crash as it loses other recent writes.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kentongan.dev.platform import ServiceProcess
from kentongan.dev.stack import DevStack
from kentongan.events import topics
from kentongan.kafka import connection_options
from kentongan.settings import ServiceSettings

ALARMS = 20  # alarms raised while dispatch is away (each from its own device, as in a crowd)
REPORTS = 4  # urgent reports, each from its own source
BOUND_S = 60.0  # each is placed (and its producer has heard so) this long after dispatch is back, at most


@dataclass
class Raised:
    """What the app was told: the ids accepted, and every answer by status."""

    accepted: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class Producer:
    """A service whose events must end in an incident: where it keeps and publishes them, and where dispatch
    records each one's incident."""

    url: str
    schema: str  # its outbox and awaiting_placement tables
    topic: str
    placed_in: str  # dispatch's table of subject -> incident, one row per subject at most (its primary key)
    subject: str  # that table's subject column


async def test_alarms_the_broker_lost_are_resent_and_each_placed_once(
        stack, settings, services, gateway_url, dispatch_url, citizens, alarm_body, operator, resends_of):
    async def raise_alarms() -> Raised:
        raised = Raised()
        for body in [alarm_body() for _ in range(ALARMS)]:
            response = await citizens.raise_alarm(body)
            raised.statuses[response.status_code] += 1
            if response.status_code == 202:
                raised.accepted.append(body["id"])
        return raised

    raised, placed = await _lose_and_recover(
        "alarms lost by the broker", stack, settings, services.start("dispatch"), resends_of,
        Producer(gateway_url, "alarm_gateway", topics.ALARMS, "incident_alarms", "alarm_id"), raise_alarms)
    for alarm_id in raised.accepted:  # the operators' view: one incident holds the alarm, once
        [incident] = (await operator.get("/v1/incidents", params={
            "status": ["open", "acknowledged"], "alarm_id": alarm_id})).json()["items"]
        assert incident["id"] == placed[alarm_id]
        assert incident["alarm_count"] == 1


async def test_urgent_reports_the_broker_lost_are_resent_and_each_placed_once(
        stack, settings, services, dispatch_url, resends_of):
    intake = services.start("report-intake", KENTONGAN_TRUSTED_PROXIES="127.0.0.1/32",
                            REPORT_INTAKE_PLACEMENT_TIMEOUT_S="5")

    async def raise_reports() -> Raised:
        raised = Raised()
        async with httpx.AsyncClient(base_url=intake.url, timeout=10) as client:
            for _ in range(REPORTS):
                first, last = uuid4().bytes[:2]
                source = {"X-Forwarded-For": f"198.19.{first}.{last % 254 + 1}"}
                response = await client.post("/v1/reports", json=_URGENT_REPORT, headers=source)
                raised.statuses[response.status_code] += 1
                if response.status_code == 201:
                    raised.accepted.append(response.json()["report_id"])
        return raised

    await _lose_and_recover(
        "urgent reports lost by the broker", stack, settings, services.start("dispatch"), resends_of,
        Producer(intake.url, "report_intake", topics.REPORTS, "incident_reports", "report_id"), raise_reports)


_URGENT_REPORT = {
    "category": "domestic_violence", "narrative": "Dia memukul pintu kamar, saya takut keluar.",
    "location": {"kelurahan": "Tlogosari Kulon", "kecamatan": "Pedurungan"},
    "victim": {"age_group": "adult", "gender": "female", "is_reporter": True},
    "perpetrator_relation": "family", "anonymous": True,
    "consent": {"share_with_agencies": False, "contact_me": False}, "immediate_danger": True,
}


async def _lose_and_recover(name: str, stack: DevStack | None, settings: ServiceSettings,
                            dispatch: ServiceProcess, resends: Callable[[str], float], producer: Producer,
                            raise_events: Callable[[], Awaitable[Raised]]) -> tuple[Raised, dict[str, str]]:
    """Dispatch away, events raised and published, the broker crashed with all of them lost, dispatch back:
    every accepted one is placed in exactly one incident, by the re-send alone. Returns the placements."""
    engine = create_async_engine(settings.database_url, pool_size=1)
    try:
        await asyncio.to_thread(dispatch.stop)
        try:
            marks = await _end_offsets(settings, producer.topic)
            raised = await raise_events()
            assert raised.accepted, f"nothing was accepted: {dict(raised.statuses)}"
            await _published(engine, producer.schema, raised.accepted)
            # Acknowledged: the broker holds every one, past where the topic ended when dispatch stopped.
            assert set(raised.accepted) <= await _keys_since(settings, producer.topic, marks)
            crashed_at = time.monotonic()
            if stack is not None:  # a real cluster cannot be killed from here: its loss is the deletion alone
                await asyncio.to_thread(stack.kafka.kill)
                await asyncio.to_thread(stack.kafka.start)
            restarted_at = time.monotonic()
            resent_before = await asyncio.to_thread(resends, producer.url)
            await _lose_unread(settings, producer.topic)
        finally:
            await asyncio.to_thread(dispatch.start)  # also when the test fails: the session's tests need it
        dispatch_ready_at = time.monotonic()
        placed = await _wait_placed(engine, producer, raised.accepted)
        placed_at = time.monotonic()
        resent = await asyncio.to_thread(resends, producer.url) - resent_before
        # One row per subject at most (the table's key): each accepted event is in exactly one incident.
        missing = sorted(set(raised.accepted) - set(placed))
        assert not missing, (f"{len(missing)} of {len(raised.accepted)} accepted never placed in "
                             f"{BOUND_S:g} s, e.g. {missing[:3]}; {resent:.0f} published again")
        print(f"\n{name}: {len(raised.accepted)} accepted, all lost; the broker was back "
              f"{restarted_at - crashed_at:.1f} s after its SIGKILL; every one placed "
              f"{placed_at - restarted_at:.1f} s after the restart "
              f"({placed_at - dispatch_ready_at:.1f} s after dispatch was ready), in "
              f"{len(set(placed.values()))} incidents; {resent:.0f} events published again; "
              f"answers {dict(sorted(raised.statuses.items()))}")
        assert resent >= len(raised.accepted), "only a re-send could have placed them"
        assert not [status for status in raised.statuses if status >= 500], dict(raised.statuses)
        # The producer heard of every placement: it keeps none to re-send, and its outbox holds none unsent.
        waiting = await _wait_none_awaiting(engine, producer.schema, raised.accepted)
        assert waiting == 0, f"{producer.schema} still keeps {waiting} of them to re-send"
        assert await _unpublished(engine, producer.schema, raised.accepted) == 0
        return raised, placed
    finally:
        await engine.dispose()


async def _end_offsets(settings: ServiceSettings, topic: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(**connection_options(settings), enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata, which partitions_for_topic reads
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        assert partitions, f"the broker knows no topic {topic}"
        return await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()


async def _keys_since(settings: ServiceSettings, topic: str, marks: dict[TopicPartition, int]) -> set[str]:
    """The keys of the records `topic` holds from `marks` up to its end now."""
    consumer = AIOKafkaConsumer(**connection_options(settings), enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(list(marks))
        consumer.assign(list(marks))
        for partition, offset in marks.items():
            consumer.seek(partition, offset)
        keys: set[str] = set()
        deadline = time.monotonic() + 30
        while [p for p in marks if await consumer.position(p) < ends[p]] and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                keys.update(record.key.decode() for record in records if record.key)
        return keys
    finally:
        await consumer.stop()


async def _lose_unread(settings: ServiceSettings, topic: str) -> None:
    """Delete every record `topic` holds (dispatch, stopped, has read none of those since it stopped)."""
    ends = await _end_offsets(settings, topic)
    admin = AIOKafkaAdminClient(**connection_options(settings))
    await admin.start()
    try:
        firsts = await admin.delete_records({partition: RecordsToDelete(end)
                                             for partition, end in ends.items()})
    finally:
        await admin.close()
    assert firsts == ends, f"the broker kept records of {topic}: first offsets {firsts}, ends {ends}"


async def _published(engine: AsyncEngine, schema: str, keys: list[str], timeout_s: float = 30) -> None:
    """Wait until the service's outbox relay has published the events of `keys` (the broker acknowledged)."""
    deadline = time.monotonic() + timeout_s
    while (pending := await _unpublished(engine, schema, keys)) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not pending, f"{pending} events still in {schema}.outbox after {timeout_s} s"


async def _unpublished(engine: AsyncEngine, schema: str, keys: list[str]) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text(
            f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL AND key = ANY(:keys)"),  # noqa: S608 # a constant
            {"keys": keys})).scalar_one()


async def _wait_placed(engine: AsyncEngine, producer: Producer, subjects: list[str]) -> dict[str, str]:
    """subject -> incident id from dispatch's own record, once every one of `subjects` is placed."""
    query = text(f"SELECT {producer.subject}::text, incident_id::text FROM dispatch.{producer.placed_in} "  # noqa: S608 # constants
                 f"WHERE {producer.subject} = ANY(CAST(:ids AS uuid[]))")
    deadline = time.monotonic() + BOUND_S
    while True:
        async with engine.connect() as conn:
            placed: dict[str, str] = dict((await conn.execute(query, {"ids": subjects})).tuples().all())
        if len(placed) == len(subjects) or time.monotonic() > deadline:
            return placed
        await asyncio.sleep(0.25)


async def _wait_none_awaiting(engine: AsyncEngine, schema: str, subjects: list[str]) -> int:
    """How many of `subjects` the service still keeps to re-send, once none or after the bound."""
    query = text(f"SELECT count(*) FROM {schema}.awaiting_placement WHERE subject = ANY(:ids)")  # noqa: S608
    deadline = time.monotonic() + BOUND_S
    while True:
        async with engine.connect() as conn:
            waiting = (await conn.execute(query, {"ids": subjects})).scalar_one()
        if not waiting or time.monotonic() > deadline:
            return waiting
        await asyncio.sleep(0.25)
