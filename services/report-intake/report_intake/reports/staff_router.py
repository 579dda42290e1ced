"""The Command Center's view of reports, by role: operators see metadata, supervisors and admins the case.

Every read is audited; send `X-Access-Reason` to say why you open a case.
"""

from uuid import UUID

from fastapi import APIRouter

from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit
from kentongan.security import CurrentOperator, CurrentSupervisor
from report_intake.dependencies import BusDep, KeyringDep, SessionDep, StaffActor
from report_intake.reports import service
from report_intake.reports.errors import NothingToRelease
from report_intake.reports.schemas import (
    Category,
    ConsentOverride,
    ReferralProgress,
    ReportDetail,
    ReportPage,
    ReportStatus,
    ReportSummary,
)

router = APIRouter(prefix="/v1/staff/reports", tags=["staff"])


@router.get("", response_model=ReportPage, responses=raises(InvalidCursor),
            summary="Reports' metadata, newest first, a page at a time (operators and above)")
async def list_reports(_: CurrentOperator, actor: StaffActor, session: SessionDep,
                       status: ReportStatus | None = None, category: Category | None = None,
                       limit: Limit = 50, after: After = None) -> ReportPage:
    return await service.list_for_staff(session, actor, status, category, limit, after)


@router.get("/{report_id}", response_model=ReportDetail | ReportSummary,
            summary="One report: metadata for operators, the decrypted case for supervisors and admins")
async def read_report(report_id: UUID, operator: CurrentOperator, actor: StaffActor, session: SessionDep,
                      keyring: KeyringDep) -> ReportDetail | ReportSummary:
    return await service.read_for_staff(session, keyring, actor, operator, report_id)


@router.post("/{report_id}/referrals", status_code=201, response_model=list[ReferralProgress],
             responses=raises(NothingToRelease),
             summary="Refer a case without the reporter's consent (supervisors; the reason is recorded)")
async def release_without_consent(report_id: UUID, body: ConsentOverride, _: CurrentSupervisor,
                                  actor: StaffActor, session: SessionDep,
                                  keyring: KeyringDep, bus: BusDep) -> list[ReferralProgress]:
    return await service.release_without_consent(session, keyring, bus, actor, report_id, body)
