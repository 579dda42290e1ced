"""What reporters, agencies and supervisors read about attachments."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from kentongan.paging import Page

Copy = Literal["file", "thumbnail", "original"]


class AttachmentOut(BaseModel):
    id: UUID
    kind: Literal["image", "video", "audio", "document"]
    media_type: str = Field(description="Of the stored copy without metadata (HEIC is stored as JPEG)")
    size: int = Field(description="Bytes of the stored copy")
    status: Literal["available", "quarantined", "deleted"] = Field(
        description="quarantined: the malware scan flagged it; nothing was stored and no agency sees it")
    filename: str | None
    sha256: str = Field(description="SHA-256 of the file exactly as received (chain of custody)")
    has_thumbnail: bool
    original_kept: bool = Field(description="The file as received is kept, sealed, as legal evidence")
    opened_by_agency: bool
    deletion_requested: bool = Field(description="The reporter asked for it to be deleted after an agency "
                                                 "had opened it")
    created_at: datetime


class AttachmentPage(Page[AttachmentOut]):
    pass


class DeletionOutcome(BaseModel):
    status: Literal["deleted", "deletion_requested"]
