"""The consumer loop on the real broker and database: a poison event is parked alone while its neighbours
are handled exactly once, and a batch delivered again changes nothing."""

import asyncio
import logging
import time
from collections import Counter
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import BigInteger, Column, Identity, MetaData, String, Table, select, text

from kentongan import metrics
from kentongan.consumer import Batched, DeadLettered, EventConsumer
from kentongan.dev.testing import eventually, tables_of
from kentongan.events import Envelope, encode
from kentongan.events.alarms import AlarmRaised
from kentongan.events.topics import dead_letter
from kentongan.inbox import inbox_table
from kentongan.kafka import create_consumer, create_producer, ensure_topics
from kentongan.placement import RESEND_HEADER

SCHEMA = "consumer_test"
SERVICE = "consumer-test"
metadata = MetaData(schema=SCHEMA)
inbox = inbox_table(metadata)
handled = Table("handled", metadata, Column("seq", BigInteger, Identity(), primary_key=True),
                Column("alarm_id", String(64), nullable=False))


@pytest.fixture(scope="module")
async def sessionmaker(settings):
    async with tables_of(settings, metadata) as sessionmaker:
        yield sessionmaker


def _alarm() -> AlarmRaised:
    return AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="crime", lat=-7.0, lon=110.4, accuracy_m=5,
                       silent=False, raised_at=datetime.now(UTC))


async def _topic_with(settings, envelopes: list[Envelope], partitions: int = 1) -> str:
    """A new topic holding the envelopes, in order per key (on one partition by default: one poll, one batch)."""
    topic = f"test.consumer.{uuid4().hex[:12]}"
    await ensure_topics(settings.model_copy(update={"kafka_topic_partitions": partitions}), [topic])
    await _publish(settings, topic, envelopes)
    return topic


async def _publish(settings, topic: str, envelopes: list[Envelope], **extra_headers: bytes) -> None:
    producer = create_producer(settings, "consumer-test")
    await producer.start()
    try:
        for envelope in envelopes:
            message = encode(envelope)
            await producer.send_and_wait(topic, message.value, key=message.key.encode(),
                                         headers=[*message.headers.items(), *extra_headers.items()])
    finally:
        await producer.stop()


@asynccontextmanager
async def _consuming(settings, sessionmaker, topic: str, handler, group: str | None = None, on_dead_letter=None,
                     on_redelivery=None):
    consumer = EventConsumer(settings=settings, service=SERVICE, group_id=group or f"g-{uuid4().hex[:8]}",
                             topics=[topic], handlers={AlarmRaised.ce_type: handler}, sessionmaker=sessionmaker,
                             inbox=inbox, on_dead_letter=on_dead_letter,
                             on_redelivery={AlarmRaised.ce_type: on_redelivery} if on_redelivery else None)
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _handled(sessionmaker, alarms: list[AlarmRaised]) -> Counter:
    async with sessionmaker() as session:
        ids = await session.scalars(select(handled.c.alarm_id).where(
            handled.c.alarm_id.in_([str(a.alarm_id) for a in alarms])).order_by(handled.c.seq))
        return Counter(ids)


async def _all_handled(sessionmaker, alarms: list[AlarmRaised]) -> Counter | None:
    seen = await _handled(sessionmaker, alarms)
    return seen if len(seen) == len(alarms) else None


async def _parked(settings, topic: str) -> list:
    consumer = create_consumer(settings, f"dlq-reader-{uuid4().hex[:8]}", [dead_letter(topic)])
    await consumer.start()
    try:
        records: list = []
        while not records:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records += batch
        return records
    finally:
        await consumer.stop()


def _refusing(poison: AlarmRaised):
    async def handle(session, envelope: Envelope) -> None:
        if envelope.data.alarm_id == poison.alarm_id:
            raise ValueError("this alarm cannot be handled")
        await session.execute(handled.insert().values(alarm_id=str(envelope.data.alarm_id)))

    return handle


def _refusing_in_batches(poison: AlarmRaised):
    one = _refusing(poison)

    async def handle_many(session, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            await one(session, envelope)

    return Batched(handle_many)


@pytest.mark.parametrize("handler_for", [_refusing, _refusing_in_batches], ids=["one_by_one", "batched"])
async def test_a_poison_event_is_dead_lettered_alone_and_its_neighbours_are_handled_once(settings, sessionmaker,
                                                                                      handler_for):
    alarms = [_alarm() for _ in range(5)]
    poison = alarms[2]
    topic = await _topic_with(settings, [Envelope.wrap(a, "/test") for a in alarms])
    good = [a for a in alarms if a is not poison]
    async with _consuming(settings, sessionmaker, topic, handler_for(poison)):
        parked = await asyncio.wait_for(_parked(settings, topic), 60)
        seen = await eventually(lambda: _all_handled(sessionmaker, good), timeout_s=30)
    assert [record.key.decode() for record in parked] == [str(poison.alarm_id)]
    assert b"this alarm cannot be handled" in dict(parked[0].headers)["dlq_error"]
    assert seen == Counter({str(a.alarm_id): 1 for a in good})


async def test_the_dead_letter_hook_hears_of_each_parked_event_within_the_retry_budget(settings, sessionmaker):
    """The hook (dispatch opens a fallback incident with it) gets the poisoned event within a second of its
    first attempt, and an undecodable record as it came; the neighbours are handled."""
    alarms = [_alarm() for _ in range(4)]
    poison = alarms[1]
    broken = Envelope.wrap(_alarm(), "/test")
    topic = await _topic_with(settings, [Envelope.wrap(a, "/test") for a in alarms])
    message = encode(broken)
    producer = create_producer(settings, "consumer-test")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{not json", key=message.key.encode(),
                                     headers=list(message.headers.items()))
    finally:
        await producer.stop()
    attempts: list[float] = []
    told: list[tuple[float, DeadLettered]] = []
    refusing = _refusing(poison)

    async def handle(session, envelope: Envelope) -> None:
        if envelope.data.alarm_id == poison.alarm_id:
            attempts.append(time.monotonic())
        await refusing(session, envelope)

    async def hook(parked: DeadLettered) -> None:
        told.append((time.monotonic(), parked))

    async with _consuming(settings, sessionmaker, topic, handle, on_dead_letter=hook):
        await eventually(lambda: _all_handled(sessionmaker, [a for a in alarms if a is not poison]), timeout_s=30)
        await eventually(lambda: _positive(len(told) - 1), timeout_s=30)
    # The undecodable record is parked as the poll is decoded, before the poisoned event's attempts.
    (_, malformed), (poisoned_at, poisoned) = told
    assert poisoned.envelope.data.alarm_id == poison.alarm_id and "cannot be handled" in poisoned.error
    assert poisoned_at - attempts[0] < 1.5  # the retry budget: the partition moves on within it
    assert malformed.envelope is None and malformed.error.startswith("malformed")
    assert malformed.record.value == b"{not json"


async def test_a_batch_delivered_again_changes_nothing(settings, sessionmaker):
    alarms = [_alarm() for _ in range(5)]
    envelopes = [Envelope.wrap(a, "/test") for a in alarms]
    # The second copy of the first event is what a relay crashing between publish and mark sends again.
    topic = await _topic_with(settings, [*envelopes, envelopes[0]])
    handler = _refusing(_alarm())
    async with _consuming(settings, sessionmaker, topic, handler):
        await eventually(lambda: _all_handled(sessionmaker, alarms), timeout_s=30)
    duplicates = metrics.EVENTS_CONSUMED.labels(SERVICE, AlarmRaised.ce_type, "duplicate")
    before = duplicates._value.get()
    # Another group reads the whole topic again, like a consumer that crashed before committing its offset.

    async def all_seen_again() -> bool:
        return duplicates._value.get() - before >= len(envelopes) + 1

    async with _consuming(settings, sessionmaker, topic, handler):
        await eventually(all_seen_again, timeout_s=30)
    assert await _handled(sessionmaker, alarms) == Counter({str(a.alarm_id): 1 for a in alarms})


def _database_starting_up(times: int):
    """A handler whose database answers 'the database system is starting up' (SQLSTATE 57P03, raised by the
    real server) the first `times` calls, as in the seconds after a PostgreSQL restart."""
    calls = 0

    async def handle(session, envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        if calls <= times:
            await session.execute(text("DO $$ BEGIN RAISE EXCEPTION 'the database system is starting up' "
                                       "USING ERRCODE = '57P03'; END $$"))
        await session.execute(handled.insert().values(alarm_id=str(envelope.data.alarm_id)))

    return handle


async def test_events_wait_out_a_database_starting_up_and_are_not_dead_lettered(settings, sessionmaker):
    alarms = [_alarm() for _ in range(3)]
    topic = await _topic_with(settings, [Envelope.wrap(a, "/test") for a in alarms])
    dead = metrics.EVENTS_DEAD_LETTERED.labels(SERVICE, topic)
    # More failures than the consumer's attempts for a broken event: an outage must not count as attempts.
    async with _consuming(settings, sessionmaker, topic, _database_starting_up(times=4)):
        seen = await eventually(lambda: _all_handled(sessionmaker, alarms), timeout_s=30)
    assert seen == Counter({str(a.alarm_id): 1 for a in alarms})
    assert dead._value.get() == 0


async def test_a_batch_handled_across_a_rebalance_is_taken_over_once_without_reconnecting(settings, sessionmaker,
                                                                                          caplog):
    """A second member joins while the first is still handling a batch from both partitions: one partition
    moves, its records are read again by the member that has it now (the inbox makes that a no-op), and the
    first member carries on without tearing down its consumer (which would only rebalance the group again)."""
    caplog.set_level(logging.INFO, logger="kentongan.consumer")
    alarms = [_alarm() for _ in range(8)]
    topic = await _topic_with(settings, [Envelope.wrap(a, "/test") for a in alarms], partitions=2)
    group = f"g-{uuid4().hex[:8]}"
    handling, release = asyncio.Event(), asyncio.Event()
    plain = _refusing(_alarm())

    async def slow_first_batch(session, envelope: Envelope) -> None:
        if not release.is_set():
            handling.set()
            await release.wait()
        await plain(session, envelope)

    duplicates = metrics.EVENTS_CONSUMED.labels(SERVICE, AlarmRaised.ce_type, "duplicate")
    before = duplicates._value.get()
    async with _consuming(settings, sessionmaker, topic, slow_first_batch, group=group):
        await asyncio.wait_for(handling.wait(), 30)
        async with _consuming(settings, sessionmaker, topic, plain, group=group):
            await asyncio.sleep(3)  # the group rebalances around the busy member
            release.set()
            seen = await eventually(lambda: _all_handled(sessionmaker, alarms), timeout_s=30)
            await eventually(lambda: _positive(duplicates._value.get() - before), timeout_s=30)
    assert seen == Counter({str(a.alarm_id): 1 for a in alarms})
    assert "offsets not committed, the group rebalanced" in caplog.text
    assert "reconnecting" not in caplog.text


async def _positive(value: float) -> bool:
    return value > 0


async def _record(session, envelope: Envelope, prefix: str = "") -> None:
    await session.execute(handled.insert().values(alarm_id=f"{prefix}{envelope.data.alarm_id}"))


async def test_an_event_published_again_by_its_producer_is_answered_and_a_plain_redelivery_is_not(
        settings, sessionmaker):
    first, second = _alarm(), _alarm()
    envelopes = [Envelope.wrap(alarm, "/test") for alarm in (first, second)]
    topic = await _topic_with(settings, envelopes)

    async def again(session, envelope: Envelope) -> None:
        await _record(session, envelope, "again:")

    async with _consuming(settings, sessionmaker, topic, _record, on_redelivery=again):
        await eventually(lambda: _all_handled(sessionmaker, [first, second]))
        # The first comes again as a rebalance or a replay would bring it; the second as kentongan.placement
        # re-sends it. Both are skipped by the inbox; only the re-sent one is answered.
        await _publish(settings, topic, envelopes[:1])
        await _publish(settings, topic, envelopes[1:], **{RESEND_HEADER: b"1"})

        async def answered():
            async with sessionmaker() as session:
                rows = await session.scalars(select(handled.c.alarm_id).where(
                    handled.c.alarm_id.like("again:%")))
                return rows.all()

        assert await eventually(answered) == [f"again:{second.alarm_id}"]
    assert await _handled(sessionmaker, [first, second]) == Counter({str(first.alarm_id): 1,
                                                                     str(second.alarm_id): 1})
