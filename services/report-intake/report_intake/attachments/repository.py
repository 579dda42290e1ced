"""Every query on attachments and resumable uploads."""

from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.paging import keyset
from report_intake.models import Attachment, AttachmentUpload

LISTED = ("available", "quarantined")


async def get(session: AsyncSession, report_id: UUID, attachment_id: UUID,
              for_update: bool = False) -> Attachment | None:
    statement = select(Attachment).where(Attachment.id == attachment_id, Attachment.report_id == report_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def page(session: AsyncSession, report_id: UUID, statuses: tuple[str, ...], limit: int,
               after: tuple[Any, ...] | None) -> list[Attachment]:
    """Up to limit + 1 of the case's attachments in these states, oldest first."""
    statement = select(Attachment).where(Attachment.report_id == report_id, Attachment.status.in_(statuses))
    statement = keyset(statement, (Attachment.created_at, Attachment.id), after, limit)
    return list(await session.scalars(statement))


async def count_for_report(session: AsyncSession, report_id: UUID) -> int:
    """Files the case holds or is receiving (what the per-case limit counts)."""
    held = select(func.count()).select_from(Attachment).where(Attachment.report_id == report_id,
                                                              Attachment.status != "deleted")
    uploading = (select(func.count()).select_from(AttachmentUpload)
                 .where(AttachmentUpload.report_id == report_id))
    return int(await session.scalar(held) or 0) + int(await session.scalar(uploading) or 0)


async def forget_for_report(session: AsyncSession, report_id: UUID) -> tuple[list[UUID], list[str]]:
    """Delete the case's attachments and uploads in progress: their ids, and the object keys to delete after
    the commit."""
    rows = list(await session.scalars(select(Attachment).where(Attachment.report_id == report_id)))
    uploads = list(await session.scalars(select(AttachmentUpload)
                                         .where(AttachmentUpload.report_id == report_id)))
    keys = [key for row in rows for key in (row.object_key, row.thumbnail_key, row.original_key) if key]
    keys += [f"{upload.key_prefix}/{part}" for upload in uploads for part in range(upload.parts)]
    await session.execute(delete(Attachment).where(Attachment.report_id == report_id))
    await session.execute(delete(AttachmentUpload).where(AttachmentUpload.report_id == report_id))
    return [row.id for row in rows], keys


async def get_upload(session: AsyncSession, report_id: UUID, upload_id: UUID,
                     for_update: bool = False) -> AttachmentUpload | None:
    statement = select(AttachmentUpload).where(AttachmentUpload.id == upload_id,
                                               AttachmentUpload.report_id == report_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)
