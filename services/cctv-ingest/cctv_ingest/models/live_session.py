from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from cctv_ingest.models import Base


class LiveSession(Base):
    """Who watched which camera live, from when to when (the audit of live viewing; no pixels are kept).

    A row is written when the ticket is issued; `started_at` when the stream starts (a ticket starts one
    stream only), `ended_at` and why when it ends."""

    __tablename__ = "live_sessions"
    __table_args__ = (Index("ix_live_sessions_camera_issued", "camera_id", "issued_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))  # the staff user's id (the token's sub)
    mode: Mapped[str] = mapped_column(String(8))  # fmp4 | jpeg
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(300))  # redacted, like health errors
