"""Every query on subscriptions."""

from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.paging import keyset
from notifier.models import Subscription


async def list_for_agency(session: AsyncSession, agency: str, limit: int,
                          after: tuple[Any, ...] | None) -> list[Subscription]:
    """Up to limit + 1 of the agency's active subscriptions, oldest first (created_at, id), after `after`."""
    query = select(Subscription).where(Subscription.agency == agency, Subscription.active)
    return list(await session.scalars(keyset(query, (Subscription.created_at, Subscription.id), after, limit)))


async def get_for_agency(session: AsyncSession, subscription_id: UUID, agency: str) -> Subscription | None:
    return await session.scalar(select(Subscription).where(
        Subscription.id == subscription_id, Subscription.agency == agency, Subscription.active))


async def matching(session: AsyncSession, event_type: str, agency: str | None) -> list[Subscription]:
    """Active subscriptions to this event type (only the named agency's, when the event names one)."""
    query = select(Subscription).where(Subscription.active, Subscription.event_types.contains([event_type]))
    if agency is not None:
        query = query.where(func.lower(Subscription.agency) == agency.lower())
    return list(await session.scalars(query))
