"""The consumer loop: decode, skip what was seen, handle in one transaction, then commit the offset.

Handlers are plain `async def handler(session, envelope)` functions looked up by CloudEvents type.
A database or broker outage blocks the partition until it heals (nothing is skipped); an event that fails
for any other reason is retried a few times and then sent, with the error, to `<topic>.dlq`.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan import metrics
from kentongan.db import unit_of_work
from kentongan.events import Envelope, MalformedEvent, UnknownEventType, decode
from kentongan.events.topics import dead_letter
from kentongan.inbox import first_delivery
from kentongan.kafka import create_consumer, create_producer
from kentongan.logging import bind_event
from kentongan.settings import ServiceSettings

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
TRANSIENT_ERRORS = (OperationalError, OSError, ConnectionError, asyncio.TimeoutError)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class EventConsumer:
    """One consumer-group member feeding records to handlers, exactly once in effect."""

    def __init__(self, *, settings: ServiceSettings, service: str, group_id: str, topics: list[str],
                 handlers: dict[str, Handler], sessionmaker: async_sessionmaker[AsyncSession], inbox: Table,
                 max_attempts: int = 3) -> None:
        self._settings = settings
        self._service = service
        self._group_id = group_id
        self._topics = topics
        self._handlers = handlers
        self._sessionmaker = sessionmaker
        self._inbox = inbox
        self._max_attempts = max_attempts
        self._dlq_producer = None

    async def run(self) -> None:
        """Consume until cancelled; reconnect after broker outages."""
        while True:
            consumer = create_consumer(self._settings, self._group_id, self._topics)
            try:
                await consumer.start()
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError) as exc:
                log.warning("consumer %s reconnecting: %r", self._group_id, exc)
            finally:
                await _quietly(consumer.stop())
                if self._dlq_producer is not None:
                    await _quietly(self._dlq_producer.stop())
                    self._dlq_producer = None
            await asyncio.sleep(1.0)

    async def _consume(self, consumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=200)
            for partition, records in batches.items():
                for record in records:
                    await self._process(record)
                await consumer.commit({partition: records[-1].offset + 1})
                self._report_lag(consumer, partition, records[-1].offset)

    def _report_lag(self, consumer, partition: TopicPartition, offset: int) -> None:
        end = consumer.highwater(partition)
        if end is not None:
            metrics.CONSUMER_LAG.labels(self._service, partition.topic).set(max(0, end - offset - 1))

    async def _process(self, record: ConsumerRecord) -> None:
        try:
            envelope = decode(record.headers, record.key, record.value)
        except UnknownEventType as exc:
            metrics.EVENTS_CONSUMED.labels(self._service, str(exc), "ignored").inc()
            return
        except MalformedEvent as exc:
            await self._dead_letter(record, f"malformed: {exc}")
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(self._service, envelope.type, "ignored").inc()
            return
        await self._handle_with_retries(record, envelope, handler)

    async def _handle_with_retries(self, record: ConsumerRecord, envelope: Envelope, handler: Handler) -> None:
        attempt = 0
        with bind_event(envelope):
            while True:
                try:
                    outcome = await self._handle_once(envelope, handler)
                    metrics.EVENTS_CONSUMED.labels(self._service, envelope.type, outcome).inc()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if _is_transient(exc):
                        log.warning("transient failure handling %s, waiting: %r", envelope.type, exc)
                        await asyncio.sleep(1.0)
                        continue
                    attempt += 1
                    if attempt >= self._max_attempts:
                        log.error("giving up on %s after %d attempts: %r", envelope.type, attempt, exc)
                        await self._dead_letter(record, repr(exc))
                        metrics.EVENTS_CONSUMED.labels(self._service, envelope.type, "dead_lettered").inc()
                        return
                    await asyncio.sleep(0.2 * 2 ** attempt)

    async def _handle_once(self, envelope: Envelope, handler: Handler) -> str:
        async with unit_of_work(self._sessionmaker) as session:
            if not await first_delivery(session, self._inbox, envelope.id, envelope.type):
                return "duplicate"
            await handler(session, envelope)
        return "handled"

    async def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        """Park the record on `<topic>.dlq` with its original headers and the error, then move on."""
        if self._dlq_producer is None:
            self._dlq_producer = create_producer(self._settings, f"{self._group_id}-dlq")
            await self._dlq_producer.start()
        headers = list(record.headers) + [
            ("dlq_error", error[:2000].encode()), ("dlq_consumer_group", self._group_id.encode()),
            ("dlq_source_partition", str(record.partition).encode()),
            ("dlq_source_offset", str(record.offset).encode()),
        ]
        await self._dlq_producer.send_and_wait(dead_letter(record.topic), record.value, key=record.key,
                                               headers=headers)
        metrics.EVENTS_DEAD_LETTERED.labels(self._service, record.topic).inc()


async def _quietly(awaitable: Awaitable) -> None:
    try:
        await awaitable
    except Exception:  # shutting down a half-started client; nothing left to save
        pass
