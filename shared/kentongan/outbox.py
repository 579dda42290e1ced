"""The transactional outbox: events commit with the state change, a relay publishes them afterwards.

A service calls `add_event()` inside the transaction that changes its state; the row is durable the moment
the transaction commits, so a broker outage only delays the event. The relay publishes pending rows in order
with an idempotent producer (acks=all) and marks them sent (or deletes them, see `OutboxRelay`); a crash in
between re-sends, which the consumers' inbox turns into a no-op.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Delete,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    Update,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan import metrics
from kentongan.db import any_param, row_arrays, rows_insert
from kentongan.events import Envelope, EventModel, encode
from kentongan.kafka import stop_quietly
from kentongan.notify import listen
from kentongan.settings import ServiceSettings

log = logging.getLogger(__name__)


def outbox_table(metadata: MetaData, source: str = "") -> Table:
    """The outbox table of one service, in that service's schema; events staged in it carry `source` as their
    CloudEvents source ("/services/<name>")."""
    return Table(
        "outbox", metadata,
        Column("seq", BigInteger, Identity(), primary_key=True),  # publication order
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(128), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=True),
        Column("headers", JSONB, nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Index("ix_outbox_pending", "seq", postgresql_where=text("published_at IS NULL")),
        info={"source": source},
    )


def notify_channel(outbox: Table) -> str:
    """The channel the relay listens on: one per service schema (every outbox table lives in one)."""
    return f"{outbox.schema}_outbox"


async def add_event(session: AsyncSession, outbox: Table, event: EventModel) -> Envelope:
    """Stage an event in the current transaction; it is published only if the transaction commits."""
    [envelope] = await add_events(session, outbox, [event])
    return envelope


async def add_events(session: AsyncSession, outbox: Table, events: list[EventModel],
                     keep_in: Table | None = None) -> list[Envelope]:
    """Stage events, in this order, in the current transaction with one statement (see `add_event`).

    `keep_in`: a service's `awaiting_placement` table (kentongan.placement), which gets a copy of each event
    in the same statement, so the copy costs no round trip of its own."""
    envelopes = [Envelope.wrap(event, outbox.info["source"]) for event in events]
    if envelopes:
        await session.execute(_staging_statement(outbox, keep_in),
                              row_arrays(outbox, _STAGED, [_row(envelope) for envelope in envelopes]))
    return envelopes


_STAGED = ("event_id", "event_type", "topic", "key", "headers", "value")


@cache
def _staging_statement(outbox: Table, keep_in: Table | None = None) -> Select[tuple[Any]]:
    """One round trip for any number of events: the rows arrive as arrays (one execution, not one per row),
    and the NOTIFY rides along. NOTIFY is delivered at commit and wakes the relay at once instead of at its
    next poll; PostgreSQL folds a transaction's identical notifications into one. With `keep_in`, a second
    CTE copies the staged rows there (PostgreSQL runs every data-modifying CTE, read or not)."""
    staging = rows_insert(outbox, _STAGED)
    wake = select(func.pg_notify(notify_channel(outbox), ""))
    if keep_in is None:
        return wake.add_cte(staging.cte("staged"))
    staged = staging.returning(*(outbox.c[name] for name in _STAGED)).cte("staged")
    # A subject awaits one event: an earlier copy (a retried request) stays.
    copied = [name for name in _STAGED if name != "key"]
    kept = (insert(keep_in).from_select(["subject", *copied], select(staged.c.key, *(staged.c[n] for n in copied)))
            .on_conflict_do_nothing(index_elements=["subject"]).cte("kept"))
    return wake.add_cte(staged).add_cte(kept)


def _row(envelope: Envelope) -> tuple[Any, ...]:
    message = encode(envelope)
    headers = {k: v.decode() for k, v in message.headers.items()}
    return envelope.id, envelope.type, envelope.topic, envelope.subject, headers, message.value


class OutboxRelay:
    """Publishes a service's outbox rows to Kafka, in commit order, one active relay per schema."""

    def __init__(self, *, settings: ServiceSettings, sessionmaker: async_sessionmaker[AsyncSession],
                 outbox: Table, producer_factory: Callable[[], AIOKafkaProducer], batch_size: int = 500, poll_interval_s: float = 1.0,
                 keep_published: bool = True) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self._producer_factory = producer_factory
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self._service = outbox.schema or "default"
        # Built once: building and keying the statements on every batch cost more CPU than running them.
        # One relay per schema publishes at a time, so events of one key keep their order: the pending rows are
        # read only by the transaction that got the schema's lock (evaluated once per statement).
        relay_lock = select(func.pg_try_advisory_xact_lock(func.hashtext(outbox.fullname))).scalar_subquery()
        self._pending = (select(outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.headers, outbox.c.value,
                                outbox.c.event_type, outbox.c.created_at)
                         .where(outbox.c.published_at.is_(None), relay_lock)
                         .order_by(outbox.c.seq).limit(batch_size))
        # Published rows are kept (dispatch replays its live stream from them; for the others they are what was
        # sent, to inspect) for as long as the retention policy says: KENTONGAN_RETENTION_OUTBOX_DAYS, whose one
        # owner is kentongan.retention. Without keep_published they are deleted at once: marking one sent writes
        # a new row version and two index entries per event, and autovacuum then vacuums and analyzes a table
        # that only grows. The alarm gateway, whose outbox takes every alarm, does that.
        published = outbox.c.seq == any_param("seqs", BigInteger)
        self._settle_published: Delete | Update
        if not keep_published:
            self._settle_published = delete(outbox).where(published)
        else:
            self._settle_published = update(outbox).where(published).values(published_at=func.now())

    async def run(self) -> None:
        """Publish until cancelled; broker or database outages are waited out, never dropped."""
        listener = asyncio.create_task(self._listen_for_commits())
        producer = None
        try:
            while True:
                try:
                    if producer is None:
                        producer = self._producer_factory()
                        await producer.start()
                    while await self._publish_batch(producer) == self._batch_size:
                        pass
                except (TimeoutError, KafkaError, OSError) as exc:
                    # A new producer after any broker trouble: after a broker restart the old one's producer id
                    # and sequence numbers may be unknown to it (OutOfOrderSequenceNumber, ProducerFenced,
                    # UnknownProducerId) and it would never deliver again. The batch's rows were not settled, so
                    # the new producer sends them again, in the same order.
                    log.warning("outbox relay waiting for the broker, with a new producer: %r", exc)
                    await stop_quietly(producer)
                    producer = None
                    await asyncio.sleep(1.0)
                except Exception as exc:  # noqa: BLE001 # database restart and the like: wait, then go on
                    log.warning("outbox relay error, retrying with a new producer: %r", exc)
                    await stop_quietly(producer)
                    producer = None
                    await asyncio.sleep(1.0)
                await self._wait_for_work()
        finally:
            listener.cancel()
            await stop_quietly(producer)

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
        self._wake.clear()

    async def _publish_batch(self, producer: AIOKafkaProducer) -> int:
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(self._pending)).all()
            self._report_backlog(rows)
            if not rows:
                return 0
            await publish_rows(producer, rows)
            await session.execute(self._settle_published, {"seqs": [row.seq for row in rows]})
        for row in rows:
            metrics.EVENTS_PRODUCED.labels(self._service, row.event_type).inc()
        return len(rows)

    def _report_backlog(self, rows: Sequence[Any]) -> None:
        oldest = (datetime.now(UTC) - rows[0].created_at).total_seconds() if rows else 0.0
        metrics.OUTBOX_OLDEST_AGE.labels(self._service).set(oldest)
        metrics.OUTBOX_BACKLOG.labels(self._service).set(len(rows))

    async def _listen_for_commits(self) -> None:
        """Wake the relay on every commit that staged events."""
        await listen(self._settings.database_url, notify_channel(self._outbox), lambda _: self._wake.set())



class ProducerStopped(KafkaError):
    """The producer's sender ended (aiokafka ends it on OutOfOrderSequenceNumber or ProducerFenced): nothing
    sent through it will be delivered."""


async def publish_rows(producer: AIOKafkaProducer, rows: Sequence[Any], timeout_s: float = 30.0) -> None:
    """Publish rows shaped like the outbox's (topic, key, headers, value), in order, and wait until the broker
    has acknowledged every one.

    Raises when they are not all acknowledged within `timeout_s`, or at once when the producer's sender has
    ended, which otherwise leaves every send pending for ever: after a broker restart that lost the producer's
    state, aiokafka ends it on OutOfOrderSequenceNumber or ProducerFenced. The caller then discards the
    producer and publishes the same rows again with a new one (a new producer id and new sequence numbers)."""
    async def send_all() -> None:
        sends = [await producer.send(row.topic, value=row.value, key=row.key.encode() if row.key else None,
                                     headers=[(k, v.encode()) for k, v in row.headers.items()]) for row in rows]
        await asyncio.gather(*sends)

    delivery = asyncio.ensure_future(send_all())
    sender = getattr(getattr(producer, "_sender", None), "sender_task", None)
    watched = {delivery} if sender is None else {delivery, sender}
    done, _ = await asyncio.wait(watched, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    if delivery in done:
        return delivery.result()
    delivery.cancel()
    with contextlib.suppress(BaseException):
        await delivery
    if sender is not None and sender in done:
        cause = None if sender.cancelled() else sender.exception()
        raise ProducerStopped(f"the producer's sender ended: {cause!r}") from cause
    raise TimeoutError(f"{len(rows)} events not acknowledged by the broker within {timeout_s} s")
