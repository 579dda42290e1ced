"""Every query on published CAP alerts."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.models import CapAlert


async def add(session: AsyncSession, row: dict) -> None:
    """Publish an alert; one per occasion (a redelivered or repeated event adds nothing)."""
    await session.execute(insert(CapAlert).values(**row).on_conflict_do_nothing(index_elements=["occasion"]))


async def of_incident(session: AsyncSession, incident_id: UUID) -> list[CapAlert]:
    return list(await session.scalars(select(CapAlert).where(CapAlert.incident_id == incident_id)
                                      .order_by(CapAlert.sent)))


async def get(session: AsyncSession, alert_id: UUID) -> CapAlert | None:
    return await session.get(CapAlert, alert_id)


async def newest(session: AsyncSession, limit: int) -> list[CapAlert]:
    return list(await session.scalars(select(CapAlert).order_by(CapAlert.sent.desc()).limit(limit)))
