from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Identity, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class IncidentSnapshot(Base):
    """A CCTV snapshot near the incident, reported by cctv-ingest."""

    __tablename__ = "incident_snapshots"
    __table_args__ = (UniqueConstraint("incident_id", "camera_id", "blob_ref"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    blob_ref: Mapped[str] = mapped_column(String(500))
    snapshot_url: Mapped[str | None] = mapped_column(String(1000))
    distance_m: Mapped[float | None] = mapped_column(Float)
    motion_score: Mapped[float | None] = mapped_column(Float)
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
