"""Every query on the development inbox."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.models import Delivery, DevMessage


async def messages(session: AsyncSession, event_id: str | None, target_hash: str | None, after: int,
                   limit: int) -> list[tuple[DevMessage, Delivery]]:
    """Inbox messages after sequence `after`, oldest first, each with its delivery; `target_hash`: only those
    to the target with this keyed hash."""
    query = (select(DevMessage, Delivery).join(Delivery, Delivery.id == DevMessage.delivery_id)
             .where(DevMessage.seq > after).order_by(DevMessage.seq).limit(limit))
    if event_id:
        query = query.where(Delivery.event_id == event_id)
    if target_hash:
        query = query.where(DevMessage.target_hash == target_hash)
    return [(m, d) for m, d in (await session.execute(query)).all()]
