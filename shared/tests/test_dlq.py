"""Dead letters on the real broker: a poisoned message is listed with its error, replayed once fixed, handled
exactly once however often it is replayed; and the `kentongan dlq` command says the same."""

import asyncio
import json
import os
import subprocess
import sys
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import BigInteger, Column, Identity, MetaData, String, Table, func, select

from kentongan import dlq
from kentongan.consumer import EventConsumer
from kentongan.dev.testing import eventually, tables_of
from kentongan.events import Envelope, encode
from kentongan.events.alarms import AlarmRaised
from kentongan.inbox import inbox_table
from kentongan.kafka import create_producer, ensure_topics

SCHEMA = "dlq_test"
metadata = MetaData(schema=SCHEMA)
inbox = inbox_table(metadata)
handled = Table("handled", metadata, Column("seq", BigInteger, Identity(), primary_key=True),
                Column("alarm_id", String(64), nullable=False))


@pytest.fixture(scope="module")
async def sessionmaker(settings):
    async with tables_of(settings, metadata) as sessionmaker:
        yield sessionmaker


def _alarm() -> Envelope:
    return Envelope.wrap(AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="crime", lat=-7.0, lon=110.4,
                                     accuracy_m=5, silent=False, raised_at=datetime.now(UTC)), "/test")


async def _publish(settings, topic: str, envelopes: list[Envelope]) -> None:
    producer = create_producer(settings, "dlq-test")
    await producer.start()
    try:
        for envelope in envelopes:
            message = encode(envelope)
            await producer.send_and_wait(topic, message.value, key=message.key.encode(),
                                         headers=list(message.headers.items()))
    finally:
        await producer.stop()


@asynccontextmanager
async def _consuming(settings, sessionmaker, topic: str, refused: set[str]):
    async def handle(session, envelope: Envelope) -> None:
        if str(envelope.data.alarm_id) in refused:
            raise ValueError("a handler bug: this alarm cannot be handled yet")
        await session.execute(handled.insert().values(alarm_id=str(envelope.data.alarm_id)))

    consumer = EventConsumer(settings=settings, service="dlq-test", group_id=f"g-{uuid4().hex[:8]}",
                             topics=[topic], handlers={AlarmRaised.ce_type: handle}, sessionmaker=sessionmaker,
                             inbox=inbox)
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _times_handled(sessionmaker, alarm: Envelope) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).where(handled.c.alarm_id == str(alarm.data.alarm_id)))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kentongan.cli", "dlq", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=60, check=False)


async def test_a_poisoned_message_is_listed_with_its_error_and_replayed_once_fixed(settings, sessionmaker):
    topic = f"test.dlq.{uuid4().hex[:12]}"
    await ensure_topics(settings, [topic])
    good, poison = _alarm(), _alarm()
    refused = {str(poison.data.alarm_id)}
    async with _consuming(settings, sessionmaker, topic, refused):
        await _publish(settings, topic, [good, poison])
        parked = await eventually(lambda: dlq.read(settings, topic), timeout_s=60)
        assert [p.event_id for p in parked] == [str(poison.id)]
        assert parked[0].event_type == AlarmRaised.ce_type
        assert "cannot be handled yet" in parked[0].error
        assert await dlq.depths(settings, [topic]) == {topic: 1}
        assert await _times_handled(sessionmaker, good) == 1
        assert await _times_handled(sessionmaker, poison) == 0

        dry = await dlq.replay(settings, topic, {str(poison.id)}, dry_run=True)
        assert [p.event_id for p in dry] == [str(poison.id)]
        await asyncio.sleep(1)
        assert await _times_handled(sessionmaker, poison) == 0  # a dry run sends nothing

        refused.clear()  # the handler is fixed
        await dlq.replay(settings, topic, {str(poison.id)})
        assert await eventually(lambda: _times_handled(sessionmaker, poison), timeout_s=60) == 1
        await dlq.replay(settings, f"{topic}.dlq", None)  # everything again, by the dead-letter topic's name
        await asyncio.sleep(2)
        assert await _times_handled(sessionmaker, poison) == 1
        assert await _times_handled(sessionmaker, good) == 1


async def test_the_dlq_command_lists_shows_and_refuses_unknown_ids(settings, sessionmaker):
    topic = f"test.dlq.{uuid4().hex[:12]}"
    await ensure_topics(settings, [topic])
    poison = _alarm()
    async with _consuming(settings, sessionmaker, topic, {str(poison.data.alarm_id)}):
        await _publish(settings, topic, [poison])
        await eventually(lambda: dlq.read(settings, topic), timeout_s=60)

    shown = await asyncio.to_thread(_cli, "show", topic)
    assert shown.returncode == 0, shown.stderr
    lines = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [(line["event_id"], line["topic"]) for line in lines] == [(str(poison.id), topic)]
    assert "cannot be handled yet" in lines[0]["error"]

    listed = await asyncio.to_thread(_cli, "list")
    assert listed.returncode == 0, listed.stderr
    assert "alarms.v1.dlq" in listed.stdout  # every platform topic is listed with its count

    unknown = await asyncio.to_thread(_cli, "replay", topic, "--id", "not-a-parked-id", "--dry-run")
    assert unknown.returncode != 0
    assert "not-a-parked-id" in unknown.stderr
