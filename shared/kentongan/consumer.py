"""The consumer loop: decode, skip what was seen, handle in one transaction, then commit the offset.

Handlers are plain `async def handler(session, envelope)` functions looked up by CloudEvents type; a
`Batched` handler also takes a run of events of its type at once. The records of one poll are handled in
one transaction. A database or broker outage blocks the partition until it heals (nothing is
skipped); an event that fails for any other reason is retried a few times on its own and then sent, with
the error, to `<topic>.dlq`, and the consumer's `on_dead_letter` hook is told (dispatch opens a fallback
incident from a dead-lettered alarm, so it still reaches a human).

Retries are short and in line (RETRY_DELAYS_S: about a third of a second for a poisoned event), so an event
never holds up the partition behind it, and the unrelated keys on it, for longer than that. We chose this over
a retry topic or per-key parking: outages, the failures that do heal, are already waited out without counting
attempts, and what fails otherwise (a bug, a payload a handler cannot take) does not heal in seconds or
minutes; a retry topic would let a key's later events (a location update, a cancellation) overtake the event
they follow, and per-key parking needs durable state per key across rebalances. The dead-letter topic is the
slow retry: `kentongan dlq replay` sends an event back once its cause is fixed.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan import metrics
from kentongan.db import is_transient, unit_of_work
from kentongan.events import Envelope, MalformedEvent, UnknownEventType, decode
from kentongan.events.topics import dead_letter
from kentongan.health import Health
from kentongan.inbox import first_deliveries
from kentongan.kafka import create_consumer, create_producer
from kentongan.logging import bind_event
from kentongan.progress import ConsumerProgress
from kentongan.settings import ServiceSettings

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
RETRY_DELAYS_S = (0.05, 0.25)  # pauses between the attempts at a failing event: three attempts in all
MAX_BATCH = 200  # records handled in one transaction at most
LINGER_AFTER = 3  # records in a poll that make the next one wait a moment (see _consume)


class Batched:
    """A handler of many events of one type at once (`handle_many(session, envelopes)`), which lets it use a
    few set-based statements for a whole batch. Called with one envelope it is an ordinary handler."""

    def __init__(self, handle_many: Callable[[AsyncSession, list[Envelope]], Awaitable[None]]) -> None:
        self.handle_many = handle_many

    async def __call__(self, session: AsyncSession, envelope: Envelope) -> None:
        await self.handle_many(session, [envelope])


@dataclass(frozen=True)
class DeadLettered:
    """An event parked on `<topic>.dlq`: the record as it came, its envelope if it could be decoded, why."""

    record: ConsumerRecord
    envelope: Envelope | None
    error: str


DeadLetterHook = Callable[[DeadLettered], Awaitable[None]]


@dataclass(frozen=True)
class Work:
    """A record to handle: its decoded envelope and the handler of its type."""

    record: ConsumerRecord
    envelope: Envelope
    handler: Handler


class EventConsumer:
    """One consumer-group member feeding records to handlers, exactly once in effect."""

    def __init__(self, *, settings: ServiceSettings, service: str, group_id: str, topics: list[str],
                 handlers: Mapping[str, Handler], sessionmaker: async_sessionmaker[AsyncSession], inbox: Table,
                 retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S, linger_s: float = 0.02,
                 on_dead_letter: DeadLetterHook | None = None,
                 health: Health | None = None) -> None:
        self._settings = settings
        self._service = service
        self._group_id = group_id
        self._topics = topics
        self._handlers = handlers
        self._sessionmaker = sessionmaker
        self._inbox = inbox
        self._retry_delays_s = retry_delays_s
        self._on_dead_letter = on_dead_letter
        self._linger_s = linger_s
        self._dlq_producer: AIOKafkaProducer | None = None
        self._progress = ConsumerProgress(service, group_id, settings.kafka_consumer_stall_after_s)
        if health is not None:
            health.watch(f"consumer {group_id}", self._progress.problem)

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

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=MAX_BATCH)
            if not batches:
                continue
            self._progress.fetched(consumer, batches)
            await self._process([record for records in batches.values() for record in records])
            self._progress.handled(consumer, batches)
            # The group may have rebalanced while we handled the batch: a partition now another member's is
            # read again by that member (the inbox makes that a no-op), so only our own offsets are committed.
            assigned = consumer.assignment()
            offsets = {partition: records[-1].offset + 1 for partition, records in batches.items()
                       if partition in assigned}
            try:
                if offsets:
                    await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError):  # it rebalanced again meanwhile
                offsets = {}
            if len(offsets) < len(batches):
                # aiokafka rejoins on the next poll; tearing the consumer down would only rebalance again.
                log.info("consumer %s: offsets not committed, the group rebalanced", self._group_id)
                continue
            if LINGER_AFTER <= sum(map(len, batches.values())) < MAX_BATCH:
                # A busy stream yields a few records per poll, and a transaction's statements cost about the
                # same for a few events as for a hundred: waiting a moment lets the next poll take more. A poll
                # of one or two records (a quiet stream) is followed at once: a lone alarm is not held back.
                await asyncio.sleep(self._linger_s)

    async def _process(self, records: list[ConsumerRecord]) -> None:
        """Handle a poll's records in one transaction; if one of them fails, each on its own.

        One transaction (and one inbox statement) for the whole batch is what makes a busy consumer cheap.
        A failing event rolls the batch back, so handling its neighbours again one by one does them once."""
        work = [item for record in records if (item := await self._decode(record)) is not None]
        if not work:
            return
        try:
            outcomes = await self._handle_waiting_out_outages(work)
        except Exception as exc:  # noqa: BLE001 # any failure: find the one bad event
            log.warning("a batch of %d events failed (%r); handling them one by one", len(work), exc)
            for item in work:
                await self._handle_with_retries(item)
            return
        for item, outcome in zip(work, outcomes, strict=True):
            metrics.EVENTS_CONSUMED.labels(self._service, item.envelope.type, outcome).inc()

    async def _decode(self, record: ConsumerRecord) -> Work | None:
        """The record's envelope and handler; None when there is nothing to handle (ignored or dead-lettered)."""
        try:
            envelope = decode(record.headers, record.key, record.value)
        except UnknownEventType as exc:
            metrics.EVENTS_CONSUMED.labels(self._service, str(exc), "ignored").inc()
            return None
        except MalformedEvent as exc:
            await self._dead_letter(DeadLettered(record, None, f"malformed: {exc}"))
            return None
        handler = self._handlers.get(envelope.type)
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(self._service, envelope.type, "ignored").inc()
            return None
        return Work(record, envelope, handler)

    async def _handle_waiting_out_outages(self, work: list[Work]) -> list[str]:
        """Handle the events together; a database or broker outage is waited out, any other error raised."""
        while True:
            try:
                return await self._handle_once(work)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("transient failure handling %d events, waiting: %r", len(work), exc)
                await asyncio.sleep(1.0)

    async def _handle_with_retries(self, item: Work) -> None:
        """Handle one event, trying again after each of the retry delays; then dead-letter it."""
        error: Exception | None = None
        with bind_event(item.envelope):
            for delay in (*self._retry_delays_s, None):
                try:
                    [outcome] = await self._handle_waiting_out_outages([item])
                    metrics.EVENTS_CONSUMED.labels(self._service, item.envelope.type, outcome).inc()
                    return
                except Exception as exc:  # noqa: BLE001 # any handler error counts as an attempt
                    error = exc
                if delay is not None:
                    await asyncio.sleep(delay)
            log.error("giving up on %s after %d attempts: %r", item.envelope.type, len(self._retry_delays_s) + 1,
                      error)
            await self._dead_letter(DeadLettered(item.record, item.envelope, repr(error)))
            metrics.EVENTS_CONSUMED.labels(self._service, item.envelope.type, "dead_lettered").inc()

    async def _handle_once(self, work: list[Work]) -> list[str]:
        """One transaction: the inbox rows of the events and the effects of their handlers commit together."""
        async with unit_of_work(self._sessionmaker) as session:
            fresh = await first_deliveries(session, self._inbox, [item.envelope for item in work])
            outcomes = []
            for item in work:
                outcomes.append("handled" if item.envelope.id in fresh else "duplicate")
                fresh.discard(item.envelope.id)  # the same event twice in one batch is handled once
            todo = [item for item, outcome in zip(work, outcomes, strict=True) if outcome == "handled"]
            # Consecutive events of one type go to their handler together, so a Batched one gets them all.
            for handler, items in groupby(todo, key=attrgetter("handler")):
                await _call(handler, session, [item.envelope for item in items])
        return outcomes

    async def _dead_letter(self, parked: DeadLettered) -> None:
        """Park the record on `<topic>.dlq` with its original headers and the error, tell the hook, move on."""
        await self._park(parked.record, parked.error)
        if self._on_dead_letter is None:
            return
        while True:
            try:
                await self._on_dead_letter(parked)
                return
            except Exception as exc:
                if not is_transient(exc):  # the copy on the dead-letter topic stays for a replay
                    log.exception("the dead-letter hook of %s failed", self._group_id)
                    return
                log.warning("transient failure in the dead-letter hook, waiting: %r", exc)
                await asyncio.sleep(1.0)

    async def _park(self, record: ConsumerRecord, error: str) -> None:
        if self._dlq_producer is None:
            self._dlq_producer = create_producer(self._settings, f"{self._group_id}-dlq")
            await self._dlq_producer.start()
        headers = [
            *record.headers,
            ("dlq_error", error[:2000].encode()), ("dlq_consumer_group", self._group_id.encode()),
            ("dlq_source_partition", str(record.partition).encode()),
            ("dlq_source_offset", str(record.offset).encode()),
        ]
        await self._dlq_producer.send_and_wait(dead_letter(record.topic), record.value, key=record.key,
                                               headers=headers)
        metrics.EVENTS_DEAD_LETTERED.labels(self._service, record.topic).inc()


async def _call(handler: Handler, session: AsyncSession, envelopes: list[Envelope]) -> None:
    """A Batched handler takes the events at once, any other handler one at a time."""
    if isinstance(handler, Batched):
        await handler.handle_many(session, envelopes)
        await session.flush()
        return
    for envelope in envelopes:
        await handler(session, envelope)
        # The next handler in this transaction must see what this one did (autoflush is off).
        await session.flush()


async def _quietly(awaitable: Awaitable[object]) -> None:
    # Shutting down a half-started client: nothing is left to save, so any failure is beside the point.
    with contextlib.suppress(Exception):
        await awaitable
