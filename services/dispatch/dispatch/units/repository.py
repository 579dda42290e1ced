"""Every query on patrol units."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.models import Unit
from kentongan.paging import keyset


async def get(session: AsyncSession, unit_id: str, for_update: bool = False) -> Unit | None:
    query = select(Unit).where(Unit.id == unit_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def available(session: AsyncSession) -> list[Unit]:
    """Every available unit (the ranking of the nearest reads them all)."""
    return list(await session.scalars(select(Unit).where(Unit.status == "available")))


async def list_units(session: AsyncSession, status: str | None, limit: int, after: tuple[str] | None) -> list[Unit]:
    """Up to limit + 1 units by id, after the id `after` names."""
    query = select(Unit)
    if status:
        query = query.where(Unit.status == status)
    return list(await session.scalars(keyset(query, (Unit.id,), after, limit)))
