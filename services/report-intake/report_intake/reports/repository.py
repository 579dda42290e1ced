"""Every query on reports."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.paging import keyset
from report_intake.models import Report


async def list_recent(session: AsyncSession, status: str | None, category: str | None, limit: int,
                      after: tuple[Any, ...] | None) -> list[Report]:
    """Up to limit + 1 reports, newest first (created_at, id), after the position `after`."""
    statement = select(Report)
    if status is not None:
        statement = statement.where(Report.status == status)
    if category is not None:
        statement = statement.where(Report.category == category)
    return list(await session.scalars(keyset(statement, (Report.created_at, Report.id), after, limit,
                                             descending=True)))
