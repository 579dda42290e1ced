from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from report_intake.models import Base


class Attachment(Base):
    """Evidence a reporter added to a case. The bytes live in the object store (kentongan.blobs), sealed in
    chunks with the case's data key under random object keys; only what is needed to serve and govern them is
    in clear. The file name and the SHA-256 of what was received are in `sealed` (bound to the row id)."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_report_time", "report_id", "created_at", "id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    report_id: Mapped[UUID] = mapped_column(ForeignKey("reports.id"))
    kind: Mapped[str] = mapped_column(String(16))  # image, video, audio, document
    media_type: Mapped[str] = mapped_column(String(64))  # of the stored, cleaned copy
    size: Mapped[int] = mapped_column(BigInteger)  # bytes of the cleaned copy
    # available; quarantined (the malware scan found something: nothing stored, no agency sees it); deleted
    status: Mapped[str] = mapped_column(String(16))
    # Random object keys; None once the objects are deleted (or never stored).
    object_key: Mapped[str | None] = mapped_column(String(96))
    thumbnail_key: Mapped[str | None] = mapped_column(String(96))
    # The file as received, kept only when the reporter asked (legal evidence), sealed like the rest.
    original_key: Mapped[str | None] = mapped_column(String(96))
    key_id: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The first time an agency downloaded it: from then on the reporter's deletion is a request to the agency.
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deletion_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
