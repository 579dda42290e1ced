"""The rules of evidence attachments: who may add, read and delete them, and how a file becomes one.

A file becomes an attachment in three steps: scanned (when a scanner is configured: a finding is quarantined,
nothing stored), cleaned (images re-encoded from their pixels, video and audio remuxed without tags), then
sealed into the object store with the case's data key, with a thumbnail for images and, only when the reporter
asks, the original as received. Agencies holding a referral for the case and supervisors download them; each
download is audited. The reporter may delete one until an agency opened it; afterwards the deletion is a
request recorded for the agency.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.blobs import BlobNotFound, BlobStore
from kentongan.crypto import Keyring
from kentongan.datakeys import DataKeyring
from kentongan.db import on_rollback
from kentongan.paging import page_of, parse_cursor
from kentongan.ratelimit import RateLimiter
from report_intake.attachments import repository, storage
from report_intake.attachments.errors import AttachmentNotFound, TooManyAttachments, UnreadableAttachment
from report_intake.attachments.media import MediaType, UnreadableMedia, clean_copy
from report_intake.attachments.receive import Received, ReceivedFile, private_folder, receive_multipart
from report_intake.attachments.scan import ClamdScanner
from report_intake.attachments.schemas import AttachmentOut, AttachmentPage, Copy, DeletionOutcome
from report_intake.audit.service import REPORTER, Actor, record
from report_intake.cases.keys import case_keyring
from report_intake.cases.service import case_for_token, report_for_staff
from report_intake.crypto import open_json, seal_json
from report_intake.models import Attachment, Report
from report_intake.referrals import repository as referrals
from report_intake.referrals.errors import ReferralNotFound
from report_intake.referrals.service import announce_attachment
from report_intake.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evidence:
    """What attachments need besides the database: the store, the limits, the scanner, the quotas."""

    store: BlobStore
    settings: Settings
    scanner: ClamdScanner | None
    per_token: RateLimiter
    per_address: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings, store: BlobStore) -> "Evidence":
        scanner = (ClamdScanner(settings.clamd_address, settings.clamd_timeout_s) if settings.clamd_address
                   else None)
        return cls(store, settings, scanner, RateLimiter(settings.uploads_per_token_per_hour, 3600),
                   RateLimiter(settings.uploads_per_address_per_hour, 3600))

    def count_upload(self, token_digest: bytes, client: str) -> None:
        """One upload request against the case's and the address's hourly quota (429 past either)."""
        self.per_address.check(client)
        self.per_token.check(token_digest.hex())


@dataclass(frozen=True)
class Download:
    media_type: str
    filename: str
    chunks: AsyncIterator[bytes]


async def reporter_case(session: AsyncSession, evidence: Evidence, report_id: UUID, token: str | None,
                        client: str) -> Report:
    """The reporter's case (404 for a wrong token) for an upload, counted against the upload quotas."""
    report = await case_for_token(session, report_id, token)
    evidence.count_upload(report.case_token_hash, client)
    return report


async def release_while_streaming(session: AsyncSession) -> None:
    """End the (read-only) transaction before a body streams in: a slow upload takes minutes, and must not
    hold a pooled connection or a lock that long. The case is read again, locked, once the bytes are in."""
    await session.rollback()


async def upload(session: AsyncSession, keyring: Keyring, evidence: Evidence, report_id: UUID,
                 token: str | None, client: str, content_type: str | None,
                 body: AsyncIterator[bytes]) -> list[AttachmentOut]:
    """Add the files of a multipart body to the reporter's case (the token checked before a byte is read)."""
    report = await reporter_case(session, evidence, report_id, token, client)
    held = await repository.count_for_report(session, report.id)
    await release_while_streaming(session)
    settings = evidence.settings
    received = await receive_multipart(content_type, body, private_folder(settings.upload_tmp_dir),
                                       settings.attachment_max_files, held, settings.attachment_max_bytes)
    try:
        report = await case_for_token(session, report_id, token, for_update=True)
        case = await case_keyring(session, keyring, report)
        attachments = await store_files(session, case, evidence, report, received.files,
                                        received.keep_original)
    finally:
        await asyncio.to_thread(received.discard)
    return [_out(case, attachment) for attachment in attachments]


async def store_files(session: AsyncSession, case: DataKeyring, evidence: Evidence, report: Report,
                      files: list[ReceivedFile], keep_original: bool) -> list[Attachment]:
    """Scan, clean and seal each received file into the store; the rows, audit and events in the session.
    If the transaction does not commit (a file fails, or the commit itself), the objects stored are deleted
    again: the upload is all or nothing, and no object outlives the rows that would have named it."""
    max_files = evidence.settings.attachment_max_files
    if await repository.count_for_report(session, report.id) + len(files) > max_files:
        raise TooManyAttachments(f"files: at most {max_files} files per case")
    stored: list[str] = []
    on_rollback(session, partial(storage.delete_objects, evidence.store, stored))
    attachments = [await _store_one(case, evidence, report, index, received, keep_original, stored)
                   for index, received in enumerate(files)]
    session.add_all(attachments)
    await session.flush()
    await record(session, REPORTER, "attachment.added", "attachment", [a.id for a in attachments])
    for attachment in attachments:
        if attachment.status == "available":
            await announce_attachment(session, report, attachment.id, attachment.created_at)
    return attachments


async def _store_one(case: DataKeyring, evidence: Evidence, report: Report, index: int,
                     received: ReceivedFile, keep_original: bool, stored: list[str]) -> Attachment:
    media = received.media
    if media is None:  # the receiver sniffs every file it accepts
        raise UnreadableAttachment(f"files[{index}]: unknown type")
    attachment = Attachment(id=uuid7(), report_id=report.id, kind=media.kind, media_type=media.served_mime,
                            created_at=datetime.now(UTC), size=0)
    metadata = {"filename": received.filename, "sha256": received.sha256, "original_kept": False,
                "has_thumbnail": False}
    finding = evidence.scanner and await evidence.scanner.scan(received.path)
    if finding:
        log.warning("attachment %s quarantined: the malware scan found %s", attachment.id, finding[:100])
        attachment.status = "quarantined"
    else:
        attachment.status = "available"
        await _store_copies(case, evidence.store, attachment, media, received, keep_original, metadata,
                            stored, f"files[{index}]")
    sealed = seal_json(case, metadata, attachment.id.bytes)
    attachment.key_id, attachment.sealed = sealed.key_id, sealed.blob
    return attachment


async def _store_copies(case: DataKeyring, store: BlobStore, attachment: Attachment, media: MediaType,
                        received: ReceivedFile, keep_original: bool, metadata: dict, stored: list[str],
                        field: str) -> None:
    cleaned = received.path.with_suffix(".clean")
    try:
        thumbnail = await asyncio.to_thread(clean_copy, media, received.path, cleaned)
    except UnreadableMedia:
        raise UnreadableAttachment(f"{field}: it starts like {media.mime} but does not read as one") from None
    attachment.size = (await asyncio.to_thread(cleaned.stat)).st_size
    attachment.object_key = storage.new_object_key()
    await storage.put_file(store, case, attachment.object_key, cleaned,
                           storage.object_aad(attachment.id, "file"))
    stored.append(attachment.object_key)
    if thumbnail is not None:
        attachment.thumbnail_key = storage.new_object_key()
        await storage.put_data(store, case, attachment.thumbnail_key, thumbnail,
                               storage.object_aad(attachment.id, "thumbnail"))
        stored.append(attachment.thumbnail_key)
        metadata["has_thumbnail"] = True
    if keep_original:
        attachment.original_key = storage.new_object_key()
        await storage.put_file(store, case, attachment.original_key, received.path,
                               storage.object_aad(attachment.id, "original"))
        stored.append(attachment.original_key)
        metadata["original_kept"] = True
    await asyncio.to_thread(cleaned.unlink, missing_ok=True)


async def list_for_reporter(session: AsyncSession, keyring: Keyring, report_id: UUID, token: str | None,
                            limit: int, after: str | None) -> AttachmentPage:
    report = await case_for_token(session, report_id, token)
    await record(session, REPORTER, "attachment.list", "report", [report.id])
    case = await case_keyring(session, keyring, report)
    return await _page(session, case, report, ("available", "quarantined"), limit, after)


async def delete_by_reporter(session: AsyncSession, keyring: Keyring, report_id: UUID, token: str | None,
                             attachment_id: UUID) -> tuple[DeletionOutcome, list[str]]:
    """Delete the reporter's attachment, or (once an agency opened it) record the request for the agency.
    Returns the outcome and the object keys to delete once the transaction committed."""
    report = await case_for_token(session, report_id, token)
    attachment = await repository.get(session, report.id, attachment_id, for_update=True)
    if attachment is None or attachment.status == "deleted":
        raise AttachmentNotFound()
    if attachment.opened_at is not None:
        attachment.deletion_requested_at = attachment.deletion_requested_at or datetime.now(UTC)
        await record(session, REPORTER, "attachment.deletion_requested", "attachment", [attachment.id])
        return DeletionOutcome(status="deletion_requested"), []
    keys = [attachment.object_key, attachment.thumbnail_key, attachment.original_key]
    attachment.status, attachment.key_id, attachment.sealed = "deleted", None, None
    attachment.object_key = attachment.thumbnail_key = attachment.original_key = None
    await record(session, REPORTER, "attachment.deleted", "attachment", [attachment.id])
    return DeletionOutcome(status="deleted"), [key for key in keys if key]


async def list_for_agency(session: AsyncSession, keyring: Keyring, actor: Actor, referral_id: UUID,
                          limit: int, after: str | None) -> AttachmentPage:
    """The case's available attachments, for the agency holding this referral (another agency: 404)."""
    referral_id, report = await _agency_case(session, actor, referral_id)
    await record(session, actor, "referral.attachments.list", "referral", [referral_id])
    case = await case_keyring(session, keyring, report)
    return await _page(session, case, report, ("available",), limit, after)


async def download_for_agency(session: AsyncSession, keyring: Keyring, evidence: Evidence, actor: Actor,
                              referral_id: UUID, attachment_id: UUID, copy: Copy) -> Download:
    """One attachment decrypted as it streams; the first agency download makes deletion a request."""
    _, report = await _agency_case(session, actor, referral_id)
    attachment = await repository.get(session, report.id, attachment_id, for_update=True)
    download = await _download(session, keyring, evidence, actor, report, attachment, copy)
    if attachment is not None and attachment.opened_at is None:
        attachment.opened_at = datetime.now(UTC)
    return download


async def list_for_staff(session: AsyncSession, keyring: Keyring, actor: Actor, report_id: UUID, limit: int,
                         after: str | None) -> AttachmentPage:
    report = await _staff_case(session, report_id)
    await record(session, actor, "report.attachments.list", "report", [report.id])
    return await _page(session, await case_keyring(session, keyring, report), report,
                       ("available", "quarantined"), limit, after)


async def download_for_staff(session: AsyncSession, keyring: Keyring, evidence: Evidence, actor: Actor,
                             report_id: UUID, attachment_id: UUID, copy: Copy) -> Download:
    report = await _staff_case(session, report_id)
    attachment = await repository.get(session, report.id, attachment_id)
    return await _download(session, keyring, evidence, actor, report, attachment, copy)


async def _download(session: AsyncSession, keyring: Keyring, evidence: Evidence, actor: Actor, report: Report,
                    attachment: Attachment | None, copy: Copy) -> Download:
    if attachment is None or attachment.status != "available":
        raise AttachmentNotFound()
    key = {"file": attachment.object_key, "thumbnail": attachment.thumbnail_key,
           "original": attachment.original_key}[copy]
    if key is None:
        raise AttachmentNotFound(f"this attachment has no {copy} copy")
    case = await case_keyring(session, keyring, report)
    try:
        chunks = await storage.open_object(evidence.store, case, key, storage.object_aad(attachment.id, copy))
    except BlobNotFound:
        log.error("attachment %s: its %s object is missing from the store", attachment.id, copy)
        raise AttachmentNotFound() from None
    await record(session, actor, f"attachment.download.{copy}", "attachment", [attachment.id])
    metadata = _metadata(case, attachment)
    media_type = {"thumbnail": "image/jpeg", "file": attachment.media_type}.get(copy,
                                                                              "application/octet-stream")
    suffix = {"thumbnail": ".thumbnail.jpg", "original": ".original"}.get(copy, "")
    return Download(media_type, f"evidence-{attachment.id}{suffix}{_extension(metadata, copy)}", chunks)


def _extension(metadata: dict, copy: Copy) -> str:
    if copy != "original" or not metadata.get("filename"):
        return ""
    suffix = Path(str(metadata["filename"])).suffix[:8]
    return suffix if suffix[1:].isalnum() else ""


async def _page(session: AsyncSession, case: DataKeyring, report: Report, statuses: tuple[str, ...],
                limit: int, after: str | None) -> AttachmentPage:
    rows = await repository.page(session, report.id, statuses, limit,
                                 parse_cursor(after, datetime, UUID) if after else None)
    page = page_of(rows, limit, lambda row: (row.created_at, row.id))
    return AttachmentPage(items=[_out(case, row) for row in page["items"]], next=page["next"])


async def _agency_case(session: AsyncSession, actor: Actor, referral_id: UUID) -> tuple[UUID, Report]:
    found = await referrals.get_for_agency(session, referral_id, actor.agency or "")
    if found is None or actor.agency is None:
        raise ReferralNotFound()
    return found[0].id, found[1]


async def _staff_case(session: AsyncSession, report_id: UUID) -> Report:
    return await report_for_staff(session, report_id)


def _metadata(case: DataKeyring, attachment: Attachment) -> dict:
    if attachment.key_id is None or attachment.sealed is None:
        return {}
    return open_json(case, attachment.key_id, attachment.sealed, attachment.id.bytes)


def _out(case: DataKeyring, attachment: Attachment) -> AttachmentOut:
    metadata = _metadata(case, attachment)
    return AttachmentOut(
        id=attachment.id, kind=attachment.kind, media_type=attachment.media_type, size=attachment.size,
        status=attachment.status, filename=metadata.get("filename"), sha256=metadata.get("sha256", ""),
        has_thumbnail=attachment.thumbnail_key is not None, original_kept=attachment.original_key is not None,
        opened_by_agency=attachment.opened_at is not None,
        deletion_requested=attachment.deletion_requested_at is not None, created_at=attachment.created_at)


__all__ = ["Download", "Evidence", "Received"]
