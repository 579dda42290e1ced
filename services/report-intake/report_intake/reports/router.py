"""The mobile app's report API. The case token (`X-Case-Token`, or `Authorization: Bearer`) is the only key."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from kentongan.errors import TooManyRequests
from kentongan.openapi import documents, raises
from kentongan.paging import After, InvalidCursor, Limit
from kentongan.ratelimit import client_key
from kentongan.retention import ErasureConfirmation
from report_intake.attachments.storage import delete_objects
from report_intake.crypto import source_fingerprint
from report_intake.dependencies import BusDep, CaseToken, KeyringDep, SessionDep
from report_intake.messages.schemas import MessageCreate, MessageOut, MessagePage
from report_intake.reports import service
from report_intake.reports.schemas import CaseStatus, ReportCreate, ReportReceipt

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@documents(errors=(TooManyRequests,))
async def _submission_source(request: Request) -> str:
    """Count the submission against its client's limit; the client's keyed fingerprint."""
    client = client_key(request)
    request.app.state.report_limiter.check(client)
    return source_fingerprint(request.app.state.source_key, client)


SubmissionSource = Annotated[str, Depends(_submission_source)]


@router.post("", status_code=201, response_model=ReportReceipt,
             summary="Report a case, anonymously if you wish")
async def submit_report(body: ReportCreate, session: SessionDep, keyring: KeyringDep, bus: BusDep,
                        source: SubmissionSource) -> ReportReceipt:
    """201 with the case token, shown only this once: keep it to follow the case."""
    return await service.submit(session, keyring, bus, body, source)


@router.get("/{report_id}", response_model=CaseStatus, summary="The case's progress (case token)")
async def case_status(report_id: UUID, token: CaseToken, session: SessionDep) -> CaseStatus:
    """404 for a wrong or missing token, exactly as for a case that does not exist."""
    return await service.case_status(session, report_id, token)


@router.delete("/{report_id}", status_code=204, summary="Withdraw and erase the case for good (case token)")
async def erase_case(report_id: UUID, body: ErasureConfirmation, token: CaseToken, session: SessionDep,
                     request: Request, tasks: BackgroundTasks) -> None:
    """Send `{"confirm": true}`. The case, its messages, attachments and what agencies wrote are erased (its
    data key is destroyed, so no copy of it opens again), its referrals are withdrawn and the agencies told; only
    an anonymous statistical row stays. 404 for a wrong token or an already erased case; 422 without `confirm`."""
    object_keys = await service.erase_on_request(session, report_id, token, body)
    tasks.add_task(delete_objects, request.app.state.evidence.store, object_keys)  # once the erasure committed


@router.get("/{report_id}/messages", response_model=MessagePage, responses=raises(InvalidCursor),
            summary="Messages between the reporter and case workers, oldest first, a page at a time (token)")
async def read_messages(report_id: UUID, token: CaseToken, session: SessionDep, keyring: KeyringDep,
                        limit: Limit = 50, after: After = None) -> MessagePage:
    return await service.reporter_messages(session, keyring, report_id, token, limit, after)


@router.post("/{report_id}/messages", status_code=201, response_model=MessageOut,
             summary="Write to the case workers (case token)")
async def write_message(report_id: UUID, body: MessageCreate, token: CaseToken, session: SessionDep,
                        keyring: KeyringDep) -> MessageOut:
    return await service.reporter_writes(session, keyring, report_id, token, body.body)
