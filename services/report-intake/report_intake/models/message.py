from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from report_intake.models import Base


class Message(Base):
    """One message on a case between the reporter and a case worker; the text is sealed like the narrative."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_report_time", "report_id", "created_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    report_id: Mapped[UUID] = mapped_column(ForeignKey("reports.id"))
    # "reporter", or the agency ("dp3a", "disdik") that wrote it.
    author: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
