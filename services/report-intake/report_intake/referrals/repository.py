"""Every query on referrals."""

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.paging import keyset
from report_intake.models import Referral, Report


async def get_for_agency(session: AsyncSession, referral_id: UUID, agency: str,
                         for_update: bool = False) -> tuple[Referral, Report] | None:
    """The referral with its report, only if it belongs to `agency`."""
    statement = (select(Referral, Report).join(Report, Report.id == Referral.report_id)
                 .where(Referral.id == referral_id, Referral.agency == agency))
    if for_update:
        statement = statement.with_for_update(of=Referral)
    row = (await session.execute(statement)).first()
    return (row[0], row[1]) if row else None


async def list_for_agency(session: AsyncSession, agency: str, status: str | None, limit: int,
                          after: tuple[Any, ...] | None) -> list[tuple[Referral, Report]]:
    """Up to limit + 1 of the agency's referrals, newest first (created_at, id), after the position `after`."""
    statement = (select(Referral, Report).join(Report, Report.id == Referral.report_id)
                 .where(Referral.agency == agency))
    if status is not None:
        statement = statement.where(Referral.status == status)
    statement = keyset(statement, (Referral.created_at, Referral.id), after, limit, descending=True)
    return [(row[0], row[1]) for row in await session.execute(statement)]


async def list_for_report(session: AsyncSession, report_id: UUID, for_update: bool = False) -> list[Referral]:
    statement = select(Referral).where(Referral.report_id == report_id).order_by(Referral.created_at)
    if for_update:
        statement = statement.with_for_update()
    return list(await session.scalars(statement))
