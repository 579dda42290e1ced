"""The outbox on the real broker and database: with two relays running at once (two replicas), every staged
event is published exactly once and in the order it was staged; a relay that does not keep published rows
deletes them."""

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import MetaData, func, select

from kentongan.db import unit_of_work
from kentongan.dev.testing import eventually, tables_of
from kentongan.events import decode
from kentongan.events.alarms import AlarmRaised
from kentongan.kafka import create_consumer, create_producer, ensure_topics
from kentongan.outbox import OutboxRelay, add_events, outbox_table

SCHEMA = "outbox_test"
metadata = MetaData(schema=SCHEMA)
outbox = outbox_table(metadata, source="/services/outbox-test")


@pytest.fixture(scope="module")
async def sessionmaker(settings):
    async with tables_of(settings, metadata, pool_size=4) as sessionmaker:
        yield sessionmaker


@pytest.mark.parametrize("keep_published", [True, False], ids=["kept", "deleted"])
async def test_two_relays_publish_each_event_once_in_staging_order(settings, sessionmaker, keep_published):
    # Events of one key on a one-partition topic of their own: the topic's order is the publication order.
    topic = f"test.outbox.{uuid4().hex[:12]}"
    await ensure_topics(settings.model_copy(update={"kafka_topic_partitions": 1}), [topic])
    probe = type("Probe", (AlarmRaised,), {"topic": topic})  # not registered: its ce_type stays AlarmRaised's
    device = uuid4()
    staged: list[str] = []

    async def stage(count: int) -> None:
        """Transactions of `count` events, one after the other, while the relays run."""
        for _ in range(10):
            async with unit_of_work(sessionmaker) as session:
                envelopes = await add_events(session, outbox, [probe(
                    alarm_id=device, device_id=device, category="crime", lat=-7.0, lon=110.4, accuracy_m=5,
                    silent=False, raised_at=datetime.now(UTC)) for _ in range(count)])
            staged.extend(envelope.id for envelope in envelopes)
            await asyncio.sleep(0.01)

    relays = [asyncio.create_task(OutboxRelay(
        settings=settings, sessionmaker=sessionmaker, outbox=outbox, batch_size=7, poll_interval_s=0.05,
        keep_published=keep_published, producer_factory=lambda n=n: create_producer(settings, f"outbox-test-{n}")).run()) for n in range(2)]
    try:
        await stage(count=9)
        await eventually(lambda: _all_published(sessionmaker), timeout_s=30)
    finally:
        for relay in relays:
            relay.cancel()
        await asyncio.gather(*relays, return_exceptions=True)

    assert await _published_ids(settings, topic, len(staged)) == staged
    async with sessionmaker() as session:  # marked as sent and kept, or deleted once published
        rows = await session.scalar(select(func.count()).where(outbox.c.event_id.in_(staged)))
    assert rows == (len(staged) if keep_published else 0)


async def _all_published(sessionmaker) -> bool:
    async with sessionmaker() as session:
        pending = await session.scalar(select(func.count()).where(outbox.c.published_at.is_(None)))
    return pending == 0


async def _published_ids(settings, topic: str, expected: int) -> list[str]:
    """The ids of the events on the topic, in order: everything there, read until it has been quiet a while."""
    consumer = create_consumer(settings, f"outbox-test-{uuid4().hex[:8]}", [topic])
    await consumer.start()
    ids: list[str] = []
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=1000)
            records = [record for batch in batches.values() for record in batch]
            ids += [decode(record.headers, record.key, record.value).id for record in records]
            if not records and len(ids) >= expected:
                break
    finally:
        await consumer.stop()
    return ids
