"""Every query on patrol units."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.models import Unit


async def get(session: AsyncSession, unit_id: str, for_update: bool = False) -> Unit | None:
    query = select(Unit).where(Unit.id == unit_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def list_units(session: AsyncSession, status: str | None) -> list[Unit]:
    query = select(Unit).order_by(Unit.id)
    if status:
        query = query.where(Unit.status == status)
    return list(await session.scalars(query))
