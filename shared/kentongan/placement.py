"""End-to-end acknowledgment: an event that must become part of an incident is published again until it is.

The outbox makes an event durable until the broker acknowledges it, but a broker can lose writes it
acknowledged (one node's crash, an unclean leader election), and the outbox row is gone or marked sent by
then. The promise to a person who pressed the panic button is kept end to end instead: the service keeps a
copy of each such event (an alarm raised, an urgent report) in its `awaiting_placement` table, staged in the
transaction that staged the event, until the incident events it consumes say the alarm or report is placed.
`PlacementWatch` publishes a copy that waited longer than the placement timeout again, with the same event
id (a consumer that did get the first one skips it in its inbox), backing off, until it is placed. A copy
published again carries the header `placement_resend` (the how-many-th re-send): a consumer that handled the
event before answers it by announcing the placement again (dispatch's `on_redelivery` handlers), while an
ordinary redelivery (a rebalance, a replay) is only skipped.

Placement is confirmed by subject (the alarm or report id, the event's key): an incident event names the
alarm or report that caused the change, so a service confirms from that, never from a list that grows.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import FastAPI
from pydantic_settings import BaseSettings
from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Delete,
    Insert,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan import metrics
from kentongan.db import any_param, row_arrays, unnest_rows
from kentongan.events import Envelope
from kentongan.health import Health
from kentongan.kafka import stop_quietly
from kentongan.outbox import publish_rows

log = logging.getLogger(__name__)

CHECK = "placement"  # the health check's name
RESEND_HEADER = "placement_resend"  # on an event published again: the how-many-th re-send it is


class PlacementSettings(BaseSettings):
    """The settings of a service whose events must be placed, under its own prefix (`ALARM_GATEWAY_...`)."""

    # An event whose subject no incident has taken this long is published again, then again after twice as
    # long each time, up to placement_max_backoff_s.
    placement_timeout_s: float = 15.0
    placement_max_backoff_s: float = 120.0
    # Past this, /readyz reports the oldest unplaced one (status "degraded": the service keeps accepting).
    placement_alert_after_s: float = 60.0


def placement_worker(awaiting: Table) -> Callable[[FastAPI], Awaitable[None]]:
    """The service worker (see kentongan.service) that watches `awaiting` with the service's settings."""

    async def watch_placement(app: FastAPI) -> None:
        settings = app.state.settings
        await PlacementWatch(service=app.state.spec.name, sessionmaker=app.state.sessionmaker, awaiting=awaiting,
                             producer_factory=app.state.producer_factory, health=app.state.health,
                             timeout_s=settings.placement_timeout_s, alert_after_s=settings.placement_alert_after_s,
                             max_backoff_s=settings.placement_max_backoff_s).run()

    return watch_placement


def awaiting_table(metadata: MetaData) -> Table:
    """A service's copies of the events still waiting to be placed in an incident, one per subject."""
    return Table(
        "awaiting_placement", metadata,
        Column("subject", String(200), primary_key=True),  # the alarm or report id: what must be placed
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(128), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # When to publish it again; until the first re-send, the placement timeout after created_at. (No index:
        # the table holds only what is not placed yet, a few hundred rows under full load.)
        Column("resend_at", DateTime(timezone=True), nullable=True),
        Column("resends", Integer, nullable=False, server_default="0"),
    )


async def await_placement(session: AsyncSession, awaiting: Table, outbox: Table, envelopes: list[Envelope]) -> None:
    """Keep a copy of these events (staged in `outbox` in this transaction) until their subjects are placed.

    The copy is taken from the outbox rows with one statement, so the events are not encoded twice."""
    if envelopes:
        await session.execute(_copy_statement(awaiting, outbox), {"event_ids": [envelope.id for envelope in envelopes]})


@cache
def _copy_statement(awaiting: Table, outbox: Table) -> Insert:
    staged = (select(outbox.c.key, outbox.c.event_id, outbox.c.event_type, outbox.c.topic, outbox.c.headers,
                     outbox.c.value)
              .where(outbox.c.event_id == any_param("event_ids", String)))
    columns = ["subject", "event_id", "event_type", "topic", "headers", "value"]
    # A subject awaits one event: an earlier copy (a retried request) stays.
    return insert(awaiting).from_select(columns, staged).on_conflict_do_nothing(index_elements=["subject"])


async def confirm_placed(session: AsyncSession, awaiting: Table, subjects: set[str]) -> None:
    """These subjects are in an incident (or no longer need one, e.g. a cancelled alarm): drop their copies."""
    if subjects:
        await session.execute(_confirm_statement(awaiting), row_arrays(awaiting, ("subject",),
                                                                        [(subject,) for subject in subjects]))


@cache
def _confirm_statement(awaiting: Table) -> Delete:
    placed = unnest_rows(awaiting, ("subject",))
    return delete(awaiting).where(awaiting.c.subject == placed.c.subject)


class PlacementWatch:
    """Publishes again the events whose subjects no incident has taken in time, and reports how long the
    oldest has waited (metrics, and a non-blocking problem in `/readyz` past `alert_after_s`)."""

    def __init__(self, *, service: str, sessionmaker: async_sessionmaker[AsyncSession], awaiting: Table,
                 producer_factory: Callable[[], AIOKafkaProducer], health: Health, timeout_s: float, alert_after_s: float = 60.0,
                 max_backoff_s: float = 120.0, check_interval_s: float = 1.0, batch_size: int = 200) -> None:
        self._service = service
        self._sessionmaker = sessionmaker
        self._awaiting = awaiting
        self._producer_factory = producer_factory
        self._health = health
        self._timeout_s = timeout_s
        self._alert_after_s = alert_after_s
        self._max_backoff_s = max_backoff_s
        self._check_interval_s = check_interval_s
        second: ColumnElement[Any] = literal_column("interval '1 second'")
        due = func.coalesce(awaiting.c.resend_at, awaiting.c.created_at + bindparam("timeout_s") * second)
        # Built once. Due copies are locked and skipped by other replicas, so each is sent by one of them.
        marked = awaiting.c.headers.op("||")(
            func.jsonb_build_object(RESEND_HEADER, cast(awaiting.c.resends + 1, String)))
        self._due = (select(awaiting.c.subject, awaiting.c.event_type, awaiting.c.topic,
                            awaiting.c.subject.label("key"), marked.label("headers"), awaiting.c.value,
                            awaiting.c.resends)
                     .where(due <= func.now()).order_by(due).limit(batch_size).with_for_update(skip_locked=True))
        # The wait doubles after each re-send, from the placement timeout up to max_backoff_s.
        backoff = func.least(bindparam("timeout_s") * func.power(2, awaiting.c.resends), bindparam("max_backoff_s"))
        self._postpone = (update(awaiting).where(awaiting.c.subject == any_param("subjects", String))
                          .values(resends=awaiting.c.resends + 1,
                                  resend_at=func.now() + backoff * second))
        self._oldest = select(func.count(), func.min(awaiting.c.created_at))

    async def run(self) -> None:
        """Watch until cancelled; broker or database outages are waited out."""
        producer = None
        try:
            while True:
                try:
                    await self._report_oldest()
                    if producer is None:
                        producer = self._producer_factory()
                        await producer.start()
                    await self._resend_due(producer)
                except (TimeoutError, KafkaError, OSError) as exc:
                    log.warning("placement watch waiting for the broker: %r", exc)
                    await stop_quietly(producer)
                    producer = None
                except Exception as exc:  # noqa: BLE001 # database restart and the like: wait, then go on
                    log.warning("placement watch error, retrying: %r", exc)
                    await stop_quietly(producer)
                    producer = None
                await asyncio.sleep(self._check_interval_s)
        finally:
            await stop_quietly(producer)

    async def _resend_due(self, producer: AIOKafkaProducer) -> None:
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(self._due, {"timeout_s": self._timeout_s})).all()
            if not rows:
                return
            await publish_rows(producer, rows)
            await session.execute(self._postpone, {"subjects": [row.subject for row in rows],
                                                   "timeout_s": self._timeout_s,
                                                   "max_backoff_s": self._max_backoff_s})
        for row in rows:
            metrics.PLACEMENT_RESENDS.labels(self._service, row.event_type).inc()
        log.warning("published %d events again: no incident took them within %s s (first: %s, re-sent %d times "
                    "before)", len(rows), self._timeout_s, rows[0].subject, rows[0].resends)

    async def _report_oldest(self) -> None:
        async with self._sessionmaker() as session:
            count, oldest = (await session.execute(self._oldest)).one()
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        metrics.PLACEMENT_AWAITING.labels(self._service).set(count)
        metrics.PLACEMENT_OLDEST_AGE.labels(self._service).set(age)
        reason = None
        if age > self._alert_after_s:
            reason = (f"{count} events not placed in an incident; the oldest has waited {age:.0f} s "
                      f"(limit {self._alert_after_s:.0f} s): is dispatch consuming?")
        # Not blocking: the cure is elsewhere, and this replica must keep accepting what it will re-send.
        self._health.report(CHECK, reason, blocking=False)

