"""Finding a case's row."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from report_intake.models import Report


async def get(session: AsyncSession, report_id: UUID, for_update: bool = False) -> Report | None:
    statement = select(Report).where(Report.id == report_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)
