from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Float, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base


class Representative(Base):
    """An RT representative (or a Polisi RW) who is alerted about incidents near their RT."""

    __tablename__ = "representatives"
    __table_args__ = (Index("ix_representatives_position", "lat", "lon"),
                      Index("ix_representatives_rw", "kecamatan", "kelurahan", "rw"))

    id: Mapped[UUID] = mapped_column(primary_key=True)
    # The registry's own key (e.g. "SMG-TGH-PKD-03-02"): a CSV import upserts by it.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # "rt" | "polisi_rw"
    kecamatan: Mapped[str] = mapped_column(String(64))
    kelurahan: Mapped[str] = mapped_column(String(64))
    rw: Mapped[str] = mapped_column(String(8))
    rt: Mapped[str | None] = mapped_column(String(8))
    # The RT's centroid (for a Polisi RW: the RW's), used to find who is near an incident.
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(8), default="id")
    # [{"channel": "sms" | "push" | "webhook", "address": "..."}]
    contacts: Mapped[list[dict]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
