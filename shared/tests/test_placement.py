"""End-to-end acknowledgment on the real broker and database: an event whose subject no incident has taken is
published again, with the same event id and growing gaps, until placement is confirmed; then never again.
How long the oldest has waited shows in the metrics and, past its limit, in the service's health."""

import asyncio
import itertools
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import MetaData, func, select

from kentongan import metrics
from kentongan.db import unit_of_work
from kentongan.dev.testing import eventually, tables_of
from kentongan.events import decode
from kentongan.events.alarms import AlarmRaised
from kentongan.health import Health
from kentongan.kafka import create_consumer, create_producer, ensure_topics
from kentongan.outbox import add_events, outbox_table
from kentongan.placement import CHECK, PlacementWatch, await_placement, awaiting_table, confirm_placed

SCHEMA = "placement_test"
SERVICE = "placement-test"
metadata = MetaData(schema=SCHEMA)
outbox = outbox_table(metadata, source="/services/placement-test")
awaiting = awaiting_table(metadata)


@pytest.fixture(scope="module")
async def sessionmaker(settings):
    async with tables_of(settings, metadata) as sessionmaker:
        yield sessionmaker


async def test_an_unplaced_event_is_sent_again_with_backoff_until_placed(settings, sessionmaker):
    topic = f"test.placement.{uuid4().hex[:12]}"
    await ensure_topics(settings.model_copy(update={"kafka_topic_partitions": 1}), [topic])
    probe = type("Probe", (AlarmRaised,), {"topic": topic})  # not registered: its ce_type stays AlarmRaised's
    alarms = [uuid4(), uuid4()]
    async with unit_of_work(sessionmaker) as session:
        envelopes = await add_events(session, outbox, [probe(
            alarm_id=alarm, device_id=uuid4(), category="crime", lat=-7.0, lon=110.4, accuracy_m=5, silent=False,
            raised_at=datetime.now(UTC)) for alarm in alarms])
        await await_placement(session, awaiting, outbox, envelopes)
    # No relay runs: the outbox's copy is "lost", as when the broker drops what it acknowledged.
    health = Health(SERVICE)
    watch = asyncio.create_task(PlacementWatch(
        service=SERVICE, sessionmaker=sessionmaker, awaiting=awaiting, health=health, timeout_s=0.5,
        alert_after_s=1.5, max_backoff_s=1.0, check_interval_s=0.1,
        producer_factory=lambda: create_producer(settings, SERVICE)).run())
    try:
        reader = _Reader(settings, topic)
        async with reader:
            await eventually(lambda: reader.at_least(envelopes[1].id, 3), timeout_s=20)
            # The first alarm is placed: its copy goes and it is not sent again; the second still is.
            async with unit_of_work(sessionmaker) as session:
                await confirm_placed(session, awaiting, {str(alarms[0])})
            placed_at = reader.count(envelopes[0].id)
            await eventually(lambda: reader.at_least(envelopes[1].id, placed_at + 3), timeout_s=20)
            assert reader.count(envelopes[0].id) <= placed_at + 1  # at most one re-send already in flight
            assert health.problems()[CHECK].blocking is False  # waited past its limit: reported, not blocking
            assert "not placed" in health.problems()[CHECK].reason
            # The same event each time, so a consumer's inbox skips the copies it already has.
            assert {record.id for record in reader.envelopes} == {envelope.id for envelope in envelopes}
            sent = [at for at, envelope in reader.arrivals if envelope.id == envelopes[1].id]
            gaps = [b - a for a, b in itertools.pairwise(sent)]
            assert gaps[0] >= 0.25 and max(gaps) >= 0.7  # 0.5 s, then twice that (capped at 1 s); read with jitter
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
    resent = metrics.PLACEMENT_RESENDS.labels(SERVICE, AlarmRaised.ce_type)._value.get()
    assert resent >= 6
    assert metrics.PLACEMENT_OLDEST_AGE.labels(SERVICE)._value.get() > 1.5
    async with unit_of_work(sessionmaker) as session:
        await confirm_placed(session, awaiting, {str(alarms[1])})
        assert await session.scalar(select(func.count()).select_from(awaiting)) == 0


async def test_events_staged_with_a_copy_to_keep_are_copied_by_the_same_statement(sessionmaker):
    """`add_events(..., keep_in=awaiting)`: the outbox row and its copy, written together; a retried request
    staging the same subject again leaves the first copy in place."""
    alarm = uuid4()

    def raised() -> AlarmRaised:
        return AlarmRaised(alarm_id=alarm, device_id=uuid4(), category="fire", lat=-7.0, lon=110.4,
                           accuracy_m=5, silent=False, raised_at=datetime.now(UTC))

    async with unit_of_work(sessionmaker) as session:
        [first] = await add_events(session, outbox, [raised()], keep_in=awaiting)
    async with unit_of_work(sessionmaker) as session:
        await add_events(session, outbox, [raised()], keep_in=awaiting)
    async with sessionmaker() as session:
        staged = (await session.execute(select(outbox.c.event_id, outbox.c.value)
                                        .where(outbox.c.key == str(alarm)).order_by(outbox.c.seq))).all()
        copies = (await session.execute(select(awaiting).where(awaiting.c.subject == str(alarm)))).all()
    assert len(staged) == 2
    [copy] = copies
    assert (copy.event_id, copy.event_type, copy.topic, copy.value) == (first.id, AlarmRaised.ce_type,
                                                                        AlarmRaised.topic, staged[0].value)
    assert decode([(k, v.encode()) for k, v in copy.headers.items()],
                  copy.subject.encode(), copy.value).id == first.id
    async with unit_of_work(sessionmaker) as session:
        await confirm_placed(session, awaiting, {str(alarm)})


class _Reader:
    """Reads a topic in the background, noting when each event arrived."""

    def __init__(self, settings, topic: str) -> None:
        self._consumer = create_consumer(settings, f"placement-test-{uuid4().hex[:8]}", [topic])
        self.arrivals: list[tuple[float, object]] = []
        self._task = None

    @property
    def envelopes(self):
        return [envelope for _, envelope in self.arrivals]

    def count(self, event_id: str) -> int:
        return sum(1 for envelope in self.envelopes if envelope.id == event_id)

    async def at_least(self, event_id: str, times: int) -> bool:
        return self.count(event_id) >= times

    async def __aenter__(self):
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            for record in (record for batch in batches.values() for record in batch):
                self.arrivals.append((loop.time(), decode(record.headers, record.key, record.value)))
