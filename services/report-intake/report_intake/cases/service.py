"""Opening a case: the reporter's by its token, staff's by id. Reports and attachments both start here."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from report_intake.cases import repository
from report_intake.cases.errors import CaseNotFound, ReportNotFound
from report_intake.crypto import token_matches
from report_intake.models import Report


async def case_for_token(session: AsyncSession, report_id: UUID, token: str | None,
                         for_update: bool = False) -> Report:
    """The reporter's case; a wrong or missing token is the same 404 as a missing (or erased) case."""
    report = await repository.get(session, report_id, for_update)
    # The digest is compared even when the case is missing, so timing does not tell them apart.
    if not token_matches(token, report.case_token_hash if report else b"\0" * 32) or report is None:
        raise CaseNotFound()
    return report


async def report_for_staff(session: AsyncSession, report_id: UUID) -> Report:
    """The report staff asked for by id, or a 404."""
    report = await repository.get(session, report_id)
    if report is None:
        raise ReportNotFound()
    return report
