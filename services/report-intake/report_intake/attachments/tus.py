"""Resumable uploads, the tus 1.0 core protocol with its creation and termination extensions, for big videos
on weak connections: POST creates an upload of `Upload-Length` bytes, each PATCH appends from `Upload-Offset`,
HEAD tells where to resume, DELETE gives an unfinished upload up (its parts deleted). Each PATCH's bytes are
stored as one object sealed with the case's data key, so a connection dropped mid-PATCH keeps what arrived;
the last byte turns the upload into an attachment like any other (scanned, cleaned, sealed) and its part
objects are deleted."""

import asyncio
import base64
import binascii
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import ClientDisconnect
from uuid6 import uuid7

from kentongan.crypto import Keyring, Sealed
from kentongan.datakeys import DataKeyring
from kentongan.db import on_rollback
from report_intake.attachments import repository, storage
from report_intake.attachments.errors import (
    AttachmentTooLarge,
    TooManyAttachments,
    UnknownUploadField,
    UnsupportedMediaType,
    UploadNotFound,
    UploadOffsetMismatch,
)
from report_intake.attachments.media import SNIFF_BYTES, sniff
from report_intake.attachments.receive import FileWriter, ReceivedFile, parse_flag, private_folder
from report_intake.attachments.service import Evidence, release_while_streaming, reporter_case, store_files
from report_intake.audit.service import REPORTER, record
from report_intake.cases.keys import case_keyring
from report_intake.cases.service import case_for_token
from report_intake.models import AttachmentUpload, Report

METADATA_KEYS = ("filename", "keep_original")


@dataclass(frozen=True)
class Appended:
    offset: int
    attachment_id: UUID | None  # set when this PATCH completed the upload
    delete_after_commit: list[str]


async def create(session: AsyncSession, keyring: Keyring, evidence: Evidence, report_id: UUID,
                 token: str | None, client: str, length: int, metadata: str | None) -> AttachmentUpload:
    report = await reporter_case(session, evidence, report_id, token, client)
    settings = evidence.settings
    if length > settings.attachment_max_bytes:
        raise AttachmentTooLarge(f"Upload-Length: at most {settings.attachment_max_bytes} bytes per file")
    if await repository.count_for_report(session, report.id) >= settings.attachment_max_files:
        raise TooManyAttachments(f"at most {settings.attachment_max_files} files per case")
    fields = parse_metadata(metadata)
    upload = AttachmentUpload(id=uuid7(), report_id=report.id, length=length, offset=0, parts=0,
                              key_prefix=storage.new_object_key("uploads"),
                              keep_original=parse_flag(fields.get("keep_original", ""), "keep_original"),
                              created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
    if fields.get("filename"):
        sealed = (await case_keyring(session, keyring, report)).seal(fields["filename"][:255].encode(),
                                                                     upload.id.bytes)
        upload.key_id, upload.sealed = sealed.key_id, sealed.blob
    session.add(upload)
    await session.flush()
    await record(session, REPORTER, "attachment.upload.created", "report", [report.id])
    return upload


async def status(session: AsyncSession, report_id: UUID, token: str | None,
                 upload_id: UUID) -> AttachmentUpload:
    report = await case_for_token(session, report_id, token)
    upload = await repository.get_upload(session, report.id, upload_id)
    if upload is None:
        raise UploadNotFound()
    return upload


async def terminate(session: AsyncSession, report_id: UUID, token: str | None, upload_id: UUID) -> list[str]:
    """Give up an unfinished upload (tus termination): its row goes now; the keys of its part objects are
    returned, to delete once the transaction committed."""
    report = await case_for_token(session, report_id, token)
    upload = await repository.get_upload(session, report.id, upload_id, for_update=True)
    if upload is None:
        raise UploadNotFound()
    await session.delete(upload)
    await record(session, REPORTER, "attachment.upload.terminated", "report", [report.id])
    return part_keys(upload)


def part_keys(upload: AttachmentUpload) -> list[str]:
    return [f"{upload.key_prefix}/{part}" for part in range(upload.parts)]


async def append(session: AsyncSession, keyring: Keyring, evidence: Evidence, report_id: UUID,
                 token: str | None, client: str, upload_id: UUID, offset: int,
                 body: AsyncIterator[bytes]) -> Appended:
    """Store the bytes of one PATCH (what arrived before a dropped connection too) and move the offset."""
    report = await reporter_case(session, evidence, report_id, token, client)
    upload = await repository.get_upload(session, report.id, upload_id)
    if upload is None:
        raise UploadNotFound()
    if offset != upload.offset:
        raise UploadOffsetMismatch(f"Upload-Offset is {offset}; the upload stands at {upload.offset}")
    case = await case_keyring(session, keyring, report)
    part, key, remaining = upload.parts, f"{upload.key_prefix}/{upload.parts}", upload.length - upload.offset
    await release_while_streaming(session)
    received = _Count()
    await evidence.store.put(key, case.seal_stream(_bounded(_until_disconnect(body), remaining, received,
                                                            sniff_head=offset == 0),
                                                   storage.object_aad(upload_id, f"part:{part}")))
    on_rollback(session, partial(storage.delete_objects, evidence.store, [key]))  # no row would name it
    report = await case_for_token(session, report_id, token, for_update=True)
    upload = await repository.get_upload(session, report.id, upload_id, for_update=True)
    if upload is None or upload.offset != offset or received.bytes == 0:  # gone, raced, or nothing came
        await storage.delete_objects(evidence.store, [key])
        if upload is None:
            raise UploadNotFound()
        if upload.offset != offset:
            raise UploadOffsetMismatch(f"another request moved the upload to {upload.offset}")
        return Appended(upload.offset, None, [])
    upload.offset, upload.parts, upload.updated_at = offset + received.bytes, part + 1, datetime.now(UTC)
    if upload.offset < upload.length:
        return Appended(upload.offset, None, [])
    return await _finish(session, case, evidence, report, upload)


async def _finish(session: AsyncSession, case: DataKeyring, evidence: Evidence, report: Report,
                  upload: AttachmentUpload) -> Appended:
    """The parts, decrypted in order into one private file, become an attachment; the upload row goes now and
    its part objects once the transaction committed."""
    keys = part_keys(upload)
    folder = private_folder(evidence.settings.upload_tmp_dir)
    filename = case.open(Sealed(upload.key_id, upload.sealed), upload.id.bytes).decode() if (
        upload.key_id and upload.sealed) else None
    try:
        writer = FileWriter(ReceivedFile(folder / "0.upload", filename),
                            evidence.settings.attachment_max_bytes, "upload")
        try:
            for part, key in enumerate(keys):
                sealed = await evidence.store.get(key)
                async for chunk in case.open_stream(sealed, storage.object_aad(upload.id, f"part:{part}")):
                    await asyncio.to_thread(writer.write, chunk)
        except BaseException:
            writer.abort()
            raise
        received = await asyncio.to_thread(writer.close)
        attachments = await store_files(session, case, evidence, report, [received], upload.keep_original)
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
    await session.delete(upload)
    return Appended(upload.length, attachments[0].id, keys)


class _Count:
    bytes = 0


async def _until_disconnect(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body until its end, or until the client went away: what arrived is kept, to resume after."""
    try:
        async for chunk in body:
            yield chunk
    except ClientDisconnect:
        return


async def _bounded(body: AsyncIterator[bytes], remaining: int, count: _Count,
                   sniff_head: bool) -> AsyncIterator[bytes]:
    """The body, refused past the upload's length, and (first part) past a head that is no accepted type."""
    head = b""
    async for chunk in body:
        count.bytes += len(chunk)
        if count.bytes > remaining:
            raise AttachmentTooLarge("the body goes past Upload-Length")
        if sniff_head and len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
            if len(head) >= min(SNIFF_BYTES, remaining) and sniff(head) is None:
                raise UnsupportedMediaType("the file's content is not an accepted type")
        yield chunk


def parse_metadata(value: str | None) -> dict[str, str]:
    """tus `Upload-Metadata`: comma-separated `key base64value` pairs; only filename and keep_original."""
    fields: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in (value or "").split(","))):
        key, _, encoded = pair.partition(" ")
        if key not in METADATA_KEYS:
            continue  # tus clients send more (filetype, name); what we do not use is not kept
        try:
            fields[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise UnknownUploadField(f"Upload-Metadata: {key} is not base64 of UTF-8 text") from None
    return fields
