"""Every query on the development inbox."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.paging import keyset
from notifier.models import Delivery, DevMessage


async def messages(session: AsyncSession, event_id: str | None, target_hash: str | None,
                   after: tuple[Any, ...] | None, limit: int) -> list[tuple[DevMessage, Delivery]]:
    """Up to limit + 1 inbox messages, oldest first (by sequence), after the position `after`, each with its
    delivery; `target_hash`: only those to the target with this keyed hash."""
    query = select(DevMessage, Delivery).join(Delivery, Delivery.id == DevMessage.delivery_id)
    if event_id:
        query = query.where(Delivery.event_id == event_id)
    if target_hash:
        query = query.where(DevMessage.target_hash == target_hash)
    found = await session.execute(keyset(query, (DevMessage.seq,), after, limit))
    return [(message, delivery) for message, delivery in found.all()]
