"""Every query on the development inbox."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.models import Delivery, DevMessage


async def messages(session: AsyncSession, event_id: str | None, target: str | None, after: int,
                   limit: int) -> list[tuple[DevMessage, Delivery]]:
    """Inbox messages after sequence `after`, oldest first, each with its delivery."""
    query = (select(DevMessage, Delivery).join(Delivery, Delivery.id == DevMessage.delivery_id)
             .where(DevMessage.seq > after).order_by(DevMessage.seq).limit(limit))
    if event_id:
        query = query.where(Delivery.event_id == event_id)
    if target:
        query = query.where(DevMessage.target == target)
    return [(m, d) for m, d in (await session.execute(query)).all()]
