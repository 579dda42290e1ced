"""Every query on deliveries and their attempts."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Row, String, Update, Uuid, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.db import any_of, insert_rows, row_arrays, rows_insert, unnest_rows
from kentongan.paging import keyset
from notifier.models import AlarmDevice, Delivery, DeliveryAttempt, DevMessage, Representative, Subscription
from notifier.models.delivery import DUE

WAKE_CHANNEL = "notifier_deliveries"
delivery_table = Delivery.__table__
# What a claimed delivery carries to its send and to the record of how it went.
CLAIMED_COLUMNS = [delivery_table.c[name] for name in (
    "id", "purpose", "channel", "target", "target_key_id", "target_host", "payload", "payload_key_id", "attempts",
    "event_time", "created_at", "incident_id", "recipient", "fallback_at")]


# What a new delivery is inserted with (the rest takes its defaults).
NEW_COLUMNS = ("id", "dedup_key", "event_id", "event_type", "event_time", "purpose", "recipient", "channel",
               "target", "target_key_id", "target_host", "agency", "subscription_id", "incident_id", "payload",
               "payload_key_id", "status", "attempts", "fallback_at")
# One statement for a whole broadcast (its rows as arrays, `kentongan.db.rows_insert`), built once: an
# executemany binds and runs the INSERT once per recipient.
INSERT_NEW = rows_insert(delivery_table, NEW_COLUMNS).on_conflict_do_nothing(index_elements=["dedup_key"])
# The insert and the workers' wake-up (NOTIFY, delivered at commit) in one round trip.
INSERT_NEW_AND_WAKE = select(func.pg_notify(WAKE_CHANNEL, "")).add_cte(INSERT_NEW.cte("inserted"))


async def insert_new(session: AsyncSession, rows: list[dict]) -> None:
    """Insert deliveries, skipping any whose dedup key exists; wake the workers at commit."""
    if not rows:
        return
    values = [tuple(row.get(name) for name in NEW_COLUMNS) for row in rows]
    await session.execute(INSERT_NEW_AND_WAKE, row_arrays(delivery_table, NEW_COLUMNS, values))


async def lock_due(session: AsyncSession, limit: int, busy_hosts: list[str]) -> Sequence[Row]:
    """(id, target_host) of due deliveries, oldest first, row-locked; rows other workers hold are skipped."""
    query = (select(delivery_table.c.id, delivery_table.c.target_host)
             .where(DUE, delivery_table.c.next_attempt_at <= func.now(),
                    ~(delivery_table.c.target_host == any_of(busy_hosts, String)))
             .order_by(delivery_table.c.next_attempt_at).limit(limit).with_for_update(skip_locked=True))
    return (await session.execute(query)).all()


async def mark_sending(session: AsyncSession, ids: list[UUID]) -> Sequence[Row]:
    """Claim locked deliveries in one statement (status `sending`, one attempt more); each comes back with
    what its send needs, including its subscription's signing secret."""
    of_subscription = Subscription.id == delivery_table.c.subscription_id
    secret = select(Subscription.secret).where(of_subscription).scalar_subquery()
    secret_key_id = select(Subscription.secret_key_id).where(of_subscription).scalar_subquery()
    result = await session.execute(
        update(delivery_table).where(delivery_table.c.id == any_of(ids, Uuid))
        .values(status="sending", attempts=delivery_table.c.attempts + 1, claimed_at=func.now())
        .returning(*CLAIMED_COLUMNS, delivery_table.c.subscription_id, secret.label("secret"),
                   secret_key_id.label("secret_key_id")))
    return result.all()


ATTEMPT_COLUMNS = ("delivery_id", "number", "outcome", "status_code", "error", "duration_ms")


async def record_outcomes(session: AsyncSession, deliveries: list[dict], attempts: list[dict]) -> None:
    """Write delivery states (by primary key) and their attempt rows: one UPDATE per set of changed columns
    (a batch has a handful: sent, delivered, retrying, ...) and one INSERT, whatever the batch's size."""
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for state in deliveries:
        by_columns.setdefault(tuple(sorted(state)), []).append(state)
    for columns, states in by_columns.items():
        values = [tuple(state[c] for c in columns) for state in states]
        await session.execute(_state_update(columns), row_arrays(delivery_table, columns, values))
    await insert_rows(session, DeliveryAttempt.__table__, ATTEMPT_COLUMNS,
                      [tuple(a[c] for c in ATTEMPT_COLUMNS) for a in attempts])


@cache
def _state_update(columns: tuple[str, ...]) -> Update:
    """`UPDATE deliveries SET <columns but id> FROM unnest(...) WHERE id = ...`: the states of a whole batch
    in one execution (an executemany runs the UPDATE once per delivery), one statement per set of columns."""
    rows = unnest_rows(delivery_table, columns)
    return (update(delivery_table).where(delivery_table.c.id == rows.c.id)
            .values({name: rows.c[name] for name in columns if name != "id"}))


async def drop_push_token(session: AsyncSession, tokens: list[str]) -> None:
    """FCM said these tokens are unregistered (the app was uninstalled or its token rotated): forget them, on
    the alarm devices and in representatives' contacts, so nothing is sent to them again."""
    if not tokens:
        return
    await session.execute(update(AlarmDevice).where(AlarmDevice.push_token.in_(tokens)).values(push_token=None))
    holders = or_(*(Representative.contacts.contains([{"channel": "push", "address": t}]) for t in tokens))
    for rep in await session.scalars(select(Representative).where(holders)):
        kept = [c for c in rep.contacts if not (c.get("channel") == "push" and c.get("address") in tokens)]
        if kept:  # a representative keeps at least one contact; the registry shows the stale one otherwise
            rep.contacts = kept


# Deliveries whose target is a person's phone, kept sealed and forgotten once final: reporters, and device
# owners and their emergency contacts.
PHONE_PURPOSES = ("reporter", "device")


async def forget_final(session: AsyncSession, ids: list[UUID]) -> None:
    """What is sealed is kept only while the message may still be sent. A person's phone (a reporter's, a device
    owner's, an emergency contact's) goes once the SMS was handed to the provider or is dead or interrupted (none
    is resent by itself: the target becomes the recipient's name, `reporter:<report id>`,
    `device:<device id>:<recipient>`); a sealed payload goes once delivered (a dead or interrupted webhook keeps
    it, sealed, so the partner can replay it)."""
    if not ids:
        return
    chosen = delivery_table.c.id == any_of(ids, Uuid)
    await session.execute(
        update(delivery_table)
        .where(chosen, delivery_table.c.purpose.in_(PHONE_PURPOSES),
               delivery_table.c.status.in_(("sent", "delivered", "read", "failed", "dead", "interrupted")))
        .values(target=delivery_table.c.recipient, target_key_id=None))
    await session.execute(
        update(delivery_table)
        .where(chosen, delivery_table.c.payload_key_id.is_not(None), delivery_table.c.status == "delivered")
        .values(payload={}, payload_key_id=None))


async def forget_recipient(session: AsyncSession, recipient: str) -> None:
    """A person erased their data at the source: the messages to `recipient` (and to `recipient:<anyone>`, a
    device's emergency contacts) keep their state only. What was still to be sent is not sent; the phone or
    push token, the text and the development inbox's copy go."""
    chosen = or_(delivery_table.c.recipient == recipient,
                 delivery_table.c.recipient.startswith(f"{recipient}:", autoescape=True))
    await session.execute(delete(DevMessage).where(DevMessage.delivery_id.in_(
        select(delivery_table.c.id).where(chosen))))
    await session.execute(update(delivery_table).where(chosen, DUE).values(
        status="failed", last_error="erased on request", fallback_at=None))
    await session.execute(update(delivery_table).where(chosen).values(
        target=delivery_table.c.recipient, target_key_id=None, payload={}, payload_key_id=None))


async def interrupt_stale(session: AsyncSession, claimed_before: datetime) -> list[tuple[UUID, int]]:
    """Mark sends whose worker died as interrupted (never resent on their own); (id, attempt) of each."""
    result = await session.execute(
        update(Delivery).where(Delivery.status == "sending", Delivery.claimed_at < claimed_before)
        .values(status="interrupted", last_error="the notifier stopped during the send; not resent "
                                                 "automatically (at most once), replay to send again")
        .returning(Delivery.id, Delivery.attempts))
    return [(row.id, row.attempts) for row in result.all()]


AGENCY_ORDER = (Delivery.created_at, Delivery.id)
INCIDENT_ORDER = (Delivery.created_at, Delivery.recipient, Delivery.id)


async def list_for_agency(session: AsyncSession, agency: str, status: str | None, limit: int,
                          after: tuple[Any, ...] | None) -> list[Delivery]:
    """Up to limit + 1 of the agency's deliveries, newest first (created_at, id), after the position `after`."""
    query = select(Delivery).where(Delivery.agency == agency)
    if status is not None:
        query = query.where(Delivery.status == status)
    return list(await session.scalars(keyset(query, AGENCY_ORDER, after, limit, descending=True)))


async def list_for_incident(session: AsyncSession, incident_id: UUID, limit: int,
                            after: tuple[Any, ...] | None) -> list[Delivery]:
    """Everyone told about an incident (representatives, the callers' devices), oldest first, a page at a time
    (a crowd's incident tells every caller of each milestone): up to limit + 1 rows after `after`."""
    query = select(Delivery).where(Delivery.incident_id == incident_id)
    return list(await session.scalars(keyset(query, INCIDENT_ORDER, after, limit)))


async def attempts_of(session: AsyncSession, delivery_ids: list[UUID]) -> dict[UUID, list[DeliveryAttempt]]:
    rows = await session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(delivery_ids))
                                 .order_by(DeliveryAttempt.number, DeliveryAttempt.id))
    grouped: dict[UUID, list[DeliveryAttempt]] = {i: [] for i in delivery_ids}
    for attempt in rows:
        grouped[attempt.delivery_id].append(attempt)
    return grouped


async def get_for_agency(session: AsyncSession, delivery_id: UUID, agency: str,
                         for_update: bool = False) -> Delivery | None:
    query = select(Delivery).where(Delivery.id == delivery_id, Delivery.agency == agency)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def requeue(session: AsyncSession, delivery: Delivery) -> None:
    delivery.status = "pending"
    delivery.next_attempt_at = (await session.execute(select(func.now()))).scalar_one()
    await session.execute(select(func.pg_notify(WAKE_CHANNEL, "")))
    await session.flush()
