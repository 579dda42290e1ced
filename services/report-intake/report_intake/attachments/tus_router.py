"""The resumable upload (tus 1.0 core protocol, creation and termination extensions) under a case, with the
case token: `POST /v1/reports/{id}/uploads` (Upload-Length, Upload-Metadata) answers the upload's URL in
`Location`; `PATCH` it with `Upload-Offset` and `Content-Type: application/offset+octet-stream`; `HEAD` it to
learn the offset to resume from; `DELETE` it to give it up. The finished upload is an attachment (its id in
`Attachment-Id`)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Request, Response

from kentongan.errors import TooManyRequests
from kentongan.openapi import documents, raises
from kentongan.ratelimit import client_key
from report_intake.attachments import storage, tus
from report_intake.attachments.errors import (
    TusVersionUnsupported,
    UnsupportedMediaType,
    UploadNotFound,
    UploadOffsetMismatch,
)
from report_intake.attachments.router import EvidenceDep
from report_intake.dependencies import CaseToken, KeyringDep, SessionDep

router = APIRouter(prefix="/v1/reports", tags=["uploads"])
TUS_VERSION = "1.0.0"
TUS = {"Tus-Resumable": TUS_VERSION}
OFFSET_STREAM = "application/offset+octet-stream"
PATCH_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}}}}


@documents(errors=(TusVersionUnsupported,))
async def tus_version(tus_resumable: Annotated[str | None, Header(max_length=20)] = None) -> None:
    """Every tus request but OPTIONS names the protocol version (412 otherwise)."""
    if tus_resumable != TUS_VERSION:
        raise TusVersionUnsupported(headers={"Tus-Version": TUS_VERSION})


@router.options("/{report_id}/uploads", include_in_schema=False)
async def tus_options(report_id: UUID, evidence: EvidenceDep) -> Response:
    return Response(status_code=204, headers={**TUS, "Tus-Version": TUS_VERSION,
                                              "Tus-Extension": "creation,termination",
                                              "Tus-Max-Size": str(evidence.settings.attachment_max_bytes)})


@router.post("/{report_id}/uploads", status_code=201, response_class=Response,
             responses={201: {"description": "Created: its URL in `Location`"}, **raises(TooManyRequests)},
             summary="Start a resumable upload (tus 1.0 creation; case token)")
async def create_upload(report_id: UUID, request: Request, token: CaseToken, session: SessionDep,
                        keyring: KeyringDep, evidence: EvidenceDep, _: Annotated[None, Depends(tus_version)],
                        upload_length: Annotated[int, Header(ge=0, le=2**40)],
                        upload_metadata: Annotated[str | None, Header(max_length=2000)] = None) -> Response:
    """`Upload-Metadata` may carry `filename` and `keep_original` (base64, as tus has it)."""
    upload = await tus.create(session, keyring, evidence, report_id, token, client_key(request),
                              upload_length, upload_metadata)
    location = f"/v1/reports/{report_id}/uploads/{upload.id}"
    return Response(status_code=201, headers={**TUS, "Location": location, "Upload-Offset": "0"})


@router.head("/{report_id}/uploads/{upload_id}", response_class=Response, responses=raises(UploadNotFound),
             summary="Where the upload stands: resume from its Upload-Offset (case token)")
async def upload_offset(report_id: UUID, upload_id: UUID, token: CaseToken, session: SessionDep,
                        _: Annotated[None, Depends(tus_version)]) -> Response:
    upload = await tus.status(session, report_id, token, upload_id)
    return Response(status_code=200, headers={
        **TUS, "Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length),
        "Cache-Control": "no-store"})


@router.patch("/{report_id}/uploads/{upload_id}", status_code=204, response_class=Response,
              responses=raises(UploadNotFound, UploadOffsetMismatch, UnsupportedMediaType, TooManyRequests),
              openapi_extra=PATCH_BODY, summary="Append bytes at Upload-Offset (tus 1.0; case token)")
async def append_to_upload(report_id: UUID, upload_id: UUID, request: Request, token: CaseToken,
                           session: SessionDep, keyring: KeyringDep, evidence: EvidenceDep,
                           tasks: BackgroundTasks, _: Annotated[None, Depends(tus_version)],
                           upload_offset: Annotated[int, Header(ge=0, le=2**40)],
                           content_type: Annotated[str | None, Header(max_length=200)] = None) -> Response:
    """A connection dropped mid-body keeps what arrived: HEAD, then PATCH again from the offset it gives.
    The last byte makes the attachment (its id in `Attachment-Id`)."""
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_STREAM:
        raise UnsupportedMediaType(f"Content-Type: send {OFFSET_STREAM}")
    appended = await tus.append(session, keyring, evidence, report_id, token, client_key(request), upload_id,
                                upload_offset, request.stream())
    tasks.add_task(storage.delete_objects, evidence.store, appended.delete_after_commit)
    headers = {**TUS, "Upload-Offset": str(appended.offset)}
    if appended.attachment_id is not None:
        headers["Attachment-Id"] = str(appended.attachment_id)
    return Response(status_code=204, headers=headers, background=tasks)


@router.delete("/{report_id}/uploads/{upload_id}", status_code=204, response_class=Response,
               responses=raises(UploadNotFound), summary="Give up an unfinished upload (tus termination; "
                                                         "case token)")
async def terminate_upload(report_id: UUID, upload_id: UUID, token: CaseToken, session: SessionDep,
                           evidence: EvidenceDep, tasks: BackgroundTasks,
                           _: Annotated[None, Depends(tus_version)]) -> Response:
    """The bytes received so far are deleted; the upload's URL answers 404 from now on."""
    keys = await tus.terminate(session, report_id, token, upload_id)
    tasks.add_task(storage.delete_objects, evidence.store, keys)  # after the commit
    return Response(status_code=204, headers=TUS, background=tasks)
