"""Provider receipts move deliveries forward: sent -> delivered -> read, or failed; never backwards.

A receipt is stored first (one row per message and status, so a repeated webhook adds nothing), then applied to
its delivery once the delivery's provider message id is known: a fast provider can answer before the worker has
written that id down, and the worker applies such early receipts right after it does.
"""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Uuid, and_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.db import any_of
from kentongan.events.deliveries import advances
from notifier.deliveries import timeline
from notifier.models import Delivery, DeliveryReceipt


def moves_forward(current: str, new: str) -> bool:
    """Whether a receipt's status advances a delivery (`advances`; a dead delivery stays dead, and the states
    before `sent` rank below it)."""
    return current != "dead" and advances(current, new)


async def record(session: AsyncSession, channel: str, receipts: list[dict]) -> None:
    """Store receipts ({"provider_message_id", "status", "at", "error"}) and apply those whose delivery is known."""
    if not receipts:
        return
    await session.execute(insert(DeliveryReceipt).on_conflict_do_nothing(
        constraint="uq_delivery_receipts_status"), [{"channel": channel, **r} for r in receipts])
    await apply(session, [(channel, r["provider_message_id"]) for r in receipts])


async def apply(session: AsyncSession, keys: list[tuple[str, str]]) -> int:
    """Apply the unapplied receipts of these (channel, provider message id) pairs to their deliveries."""
    if not keys:
        return 0
    rows = (await session.execute(
        select(DeliveryReceipt, Delivery)
        .join(Delivery, and_(Delivery.channel == DeliveryReceipt.channel,
                             Delivery.provider_message_id == DeliveryReceipt.provider_message_id))
        .where(~DeliveryReceipt.applied,
               tuple_(DeliveryReceipt.channel, DeliveryReceipt.provider_message_id).in_(keys))
        .order_by(DeliveryReceipt.at, DeliveryReceipt.id)
        .with_for_update(skip_locked=True))).all()
    changed: dict[UUID, Delivery] = {}
    for receipt, delivery in rows:
        receipt.applied = True
        if moves_forward(delivery.status, receipt.status):
            _move(delivery, receipt.status, receipt.at, receipt.error)
            changed[delivery.id] = delivery
    await session.flush()
    await timeline.report(session, list(changed.values()))
    return len(rows)


def _move(delivery: Delivery, status: str, at: datetime, error: str | None) -> None:
    delivery.status = status
    if status in ("delivered", "read"):
        delivery.delivered_at = delivery.delivered_at or at
        delivery.fallback_at = None  # it arrived: no need for the next channel
    if status == "read":
        delivery.read_at = at
    if status == "failed":
        delivery.last_error = error or "the provider reported the message failed"
        if delivery.fallback_at is not None:
            delivery.fallback_at = at  # the next channel at once, not after the wait


async def unapplied_for(session: AsyncSession, ids: list[UUID]) -> list[tuple[str, str]]:
    """(channel, provider message id) of these deliveries that have receipts waiting for them."""
    if not ids:
        return []
    rows = await session.execute(
        select(Delivery.channel, Delivery.provider_message_id)
        .join(DeliveryReceipt, and_(Delivery.channel == DeliveryReceipt.channel,
                                    Delivery.provider_message_id == DeliveryReceipt.provider_message_id))
        .where(Delivery.id == any_of(ids, Uuid), ~DeliveryReceipt.applied).distinct())
    return [(row.channel, row.provider_message_id) for row in rows]


