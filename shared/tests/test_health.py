"""Health that tells the truth: a consumer stuck on one message makes /readyz answer 503 naming the partition
and offset, and the metrics show the problem and the age of the oldest unprocessed record; once the message is
handled the service is ready again."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import MetaData

from kentongan.consumer import EventConsumer
from kentongan.dev.testing import eventually, tables_of
from kentongan.events import Envelope, encode
from kentongan.events.alarms import AlarmRaised
from kentongan.inbox import inbox_table
from kentongan.kafka import create_producer, ensure_topics
from kentongan.service import ServiceSpec, create_service_app

SCHEMA = "health_test"
metadata = MetaData(schema=SCHEMA)
inbox = inbox_table(metadata)


@pytest.fixture(scope="module")
async def sessionmaker(settings):
    async with tables_of(settings, metadata) as sessionmaker:
        yield sessionmaker


async def test_a_consumer_stuck_on_one_message_is_not_ready_and_says_why(settings, sessionmaker, serve):
    topic = f"test.health.{uuid4().hex[:12]}"
    await ensure_topics(settings.model_copy(update={"kafka_topic_partitions": 1}), [topic])
    release = asyncio.Event()

    async def stuck(session, envelope) -> None:  # a handler that hangs, as on a lock held elsewhere
        await release.wait()

    async def consume(app) -> None:
        await EventConsumer(settings=app.state.settings, service="health-test", group_id=f"g-{uuid4().hex[:8]}",
                            topics=[topic], handlers={AlarmRaised.ce_type: stuck}, sessionmaker=sessionmaker,
                            inbox=inbox, health=app.state.health).run()

    spec = ServiceSpec(name="health-test", schema=SCHEMA, port=0, app="", migrations=Path())
    app = create_service_app(spec=spec, settings=settings.model_copy(update={"kafka_consumer_stall_after_s": 1.0}),
                             routers=[], workers=[consume], title="health test")
    async with serve(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        await _publish(settings, topic)

        async def not_ready():
            response = await client.get("/readyz")
            return response.status_code == 503 and response.json()

        body = await eventually(not_ready, timeout_s=30)
        reason = next(iter(body["reasons"].values()))
        assert f"{topic}[0] offset 0" in reason and "budget 1 s" in reason
        metrics = (await client.get("/metrics")).text
        assert 'kentongan_health_problem{check="consumer ' in metrics
        age = _sample(metrics, "kentongan_consumer_oldest_unprocessed_age_seconds", topic)
        assert age >= 1.0

        release.set()

        async def ready_again():
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready_again, timeout_s=30)
        assert _sample((await client.get("/metrics")).text, "kentongan_consumer_oldest_unprocessed_age_seconds",
                       topic) == 0


async def _publish(settings, topic: str) -> None:
    alarm = AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="crime", lat=-7.0, lon=110.4, accuracy_m=5,
                        silent=False, raised_at=datetime.now(UTC))
    message = encode(Envelope.wrap(alarm, "/test"))
    producer = create_producer(settings, "health-test")
    await producer.start()
    try:
        await producer.send_and_wait(topic, message.value, key=message.key.encode(),
                                     headers=list(message.headers.items()))
    finally:
        await producer.stop()


def _sample(metrics: str, name: str, topic: str) -> float:
    [line] = [line for line in metrics.splitlines() if line.startswith(name + "{") and f'topic="{topic}"' in line]
    return float(line.rsplit(" ", 1)[1])
