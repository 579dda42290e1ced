"""Every query on reports."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from report_intake.models import Report


async def get(session: AsyncSession, report_id: UUID, for_update: bool = False) -> Report | None:
    statement = select(Report).where(Report.id == report_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def list_recent(session: AsyncSession, status: str | None, category: str | None, limit: int) -> list[Report]:
    statement = select(Report).order_by(Report.created_at.desc()).limit(limit)
    if status is not None:
        statement = statement.where(Report.status == status)
    if category is not None:
        statement = statement.where(Report.category == category)
    return list(await session.scalars(statement))
