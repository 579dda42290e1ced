"""Attachments over HTTP: the reporter adds, lists and deletes them (case token); the agency holding a
referral and supervisors list and download them (every download audited)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from kentongan.errors import TooManyRequests
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit
from kentongan.ratelimit import client_key
from kentongan.security import CurrentSupervisor
from report_intake.attachments import service, storage
from report_intake.attachments.errors import AttachmentNotFound, UnsupportedMediaType
from report_intake.attachments.receive import FILE_FIELD, KEEP_ORIGINAL_FIELD
from report_intake.attachments.schemas import AttachmentOut, AttachmentPage, Copy, DeletionOutcome
from report_intake.attachments.service import Download, Evidence
from report_intake.dependencies import CaseToken, KeyringDep, PartnerActor, SessionDep, StaffActor

reporter_router = APIRouter(prefix="/v1/reports", tags=["attachments"])
agency_router = APIRouter(prefix="/v1/referrals", tags=["attachments"])
staff_router = APIRouter(prefix="/v1/staff/reports", tags=["attachments"])


async def _evidence(request: Request) -> Evidence:
    return request.app.state.evidence


EvidenceDep = Annotated[Evidence, Depends(_evidence)]
CopyQuery = Annotated[Copy, Query(description="file: the stored copy without metadata; thumbnail (images); "
                                              "original: the file as received, when the reporter kept it")]
UPLOAD_FORM: dict[str, Any] = {
    "type": "object", "required": [FILE_FIELD],
    "properties": {FILE_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}},
                   KEEP_ORIGINAL_FIELD: {"type": "boolean", "default": False,
                                         "description": "Keep the file as received too (sealed), as "
                                                        "legal evidence; else only the copy without tags"}}}
UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True,
                                               "content": {"multipart/form-data": {"schema": UPLOAD_FORM}}}}
DOWNLOAD: dict[int | str, dict[str, Any]] = {200: {"content": {"application/octet-stream": {}},
                                                   "description": "The file, decrypted as it streams"}}


@reporter_router.post(
    "/{report_id}/attachments", status_code=201, response_model=list[AttachmentOut],
    responses=raises(UnsupportedMediaType, TooManyRequests), openapi_extra=UPLOAD_BODY,
    summary="Add evidence to the case (case token; multipart, streamed)")
async def add_attachments(report_id: UUID, request: Request, token: CaseToken, session: SessionDep,
                          keyring: KeyringDep, evidence: EvidenceDep) -> list[AttachmentOut]:
    """Photos, videos, voice notes or documents as `files` (at most 10 per case, 50 MB each by default).
    The type is judged from the content (415 otherwise). Images are re-encoded and video and audio remuxed
    without their metadata (GPS, device, times); set `keep_original` to also keep the file as received,
    sealed, as legal evidence. Big videos on a weak connection: the resumable upload (`/uploads`, tus 1.0)."""
    return await service.upload(session, keyring, evidence, report_id, token, client_key(request),
                                request.headers.get("content-type"), request.stream())


@reporter_router.get("/{report_id}/attachments", response_model=AttachmentPage,
                     responses=raises(InvalidCursor), summary="The case's attachments (case token)")
async def list_own_attachments(report_id: UUID, token: CaseToken, session: SessionDep, keyring: KeyringDep,
                               limit: Limit = 50, after: After = None) -> AttachmentPage:
    return await service.list_for_reporter(session, keyring, report_id, token, limit, after)


@reporter_router.delete(
    "/{report_id}/attachments/{attachment_id}", response_model=DeletionOutcome,
    responses={202: {"model": DeletionOutcome, "description": "An agency already opened it: the deletion is "
                                                              "recorded as a request to the agency"},
               **raises(AttachmentNotFound)},
    summary="Delete an attachment (case token)")
async def delete_attachment(report_id: UUID, attachment_id: UUID, token: CaseToken, session: SessionDep,
                            keyring: KeyringDep, evidence: EvidenceDep,
                            tasks: BackgroundTasks) -> JSONResponse:
    """200 `deleted` while no agency has opened it; 202 `deletion_requested` afterwards."""
    outcome, keys = await service.delete_by_reporter(session, keyring, report_id, token, attachment_id)
    tasks.add_task(storage.delete_objects, evidence.store, keys)  # after the commit
    return JSONResponse(outcome.model_dump(), 200 if outcome.status == "deleted" else 202, background=tasks)


@agency_router.get("/{referral_id}/attachments", response_model=AttachmentPage,
                   responses=raises(InvalidCursor), summary="The case's evidence, a page at a time (audited)")
async def list_referral_attachments(referral_id: UUID, actor: PartnerActor, session: SessionDep,
                                    keyring: KeyringDep, limit: Limit = 50,
                                    after: After = None) -> AttachmentPage:
    return await service.list_for_agency(session, keyring, actor, referral_id, limit, after)


@agency_router.get("/{referral_id}/attachments/{attachment_id}", response_class=StreamingResponse,
                   responses=DOWNLOAD, summary="Download one attachment (audited)")
async def download_referral_attachment(referral_id: UUID, attachment_id: UUID, actor: PartnerActor,
                                       session: SessionDep, keyring: KeyringDep, evidence: EvidenceDep,
                                       copy: CopyQuery = "file") -> StreamingResponse:
    return _streamed(await service.download_for_agency(session, keyring, evidence, actor, referral_id,
                                                       attachment_id, copy))


@staff_router.get("/{report_id}/attachments", response_model=AttachmentPage, responses=raises(InvalidCursor),
                  summary="The case's attachments (supervisors and admins; audited)")
async def list_case_attachments(report_id: UUID, _: CurrentSupervisor, actor: StaffActor, session: SessionDep,
                                keyring: KeyringDep, limit: Limit = 50,
                                after: After = None) -> AttachmentPage:
    return await service.list_for_staff(session, keyring, actor, report_id, limit, after)


@staff_router.get("/{report_id}/attachments/{attachment_id}", response_class=StreamingResponse,
                  responses=DOWNLOAD, summary="Download one attachment (supervisors and admins; audited)")
async def download_case_attachment(report_id: UUID, attachment_id: UUID, _: CurrentSupervisor,
                                   actor: StaffActor, session: SessionDep, keyring: KeyringDep,
                                   evidence: EvidenceDep, copy: CopyQuery = "file") -> StreamingResponse:
    return _streamed(await service.download_for_staff(session, keyring, evidence, actor, report_id,
                                                      attachment_id, copy))


def _streamed(download: Download) -> StreamingResponse:
    # Downloaded, never shown inline: a browser must not render what a reporter uploaded in our origin.
    return StreamingResponse(download.chunks, media_type=download.media_type, headers={
        "Content-Disposition": f'attachment; filename="{download.filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})
