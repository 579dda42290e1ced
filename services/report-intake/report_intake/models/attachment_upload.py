from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from report_intake.models import Base


class AttachmentUpload(Base):
    """A resumable (tus 1.0) upload in progress. Each PATCH's bytes are one object, sealed with the case's
    data key (`<key_prefix>/<part>`); the finished upload becomes an `Attachment` and this row goes."""

    __tablename__ = "attachment_uploads"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    report_id: Mapped[UUID] = mapped_column(ForeignKey("reports.id"), index=True)
    length: Mapped[int] = mapped_column(BigInteger)  # Upload-Length
    offset: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes received and stored
    parts: Mapped[int] = mapped_column(Integer, default=0)
    key_prefix: Mapped[str] = mapped_column(String(96))
    keep_original: Mapped[bool] = mapped_column(Boolean)
    # The file name from Upload-Metadata, sealed; None when none was given.
    key_id: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
