from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from cctv_ingest.models import Base


class Camera(Base):
    """A registered camera. `stream_url` may hold credentials: it never leaves the service unredacted."""

    __tablename__ = "cameras"
    # Nearby search pre-filters on a bounding box; this index answers it without a table scan.
    __table_args__ = (Index("ix_cameras_lat_lon", "lat", "lon"), Index("ix_cameras_kecamatan", "kecamatan"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    kecamatan: Mapped[str] = mapped_column(String(100))
    kelurahan: Mapped[str | None] = mapped_column(String(100))
    rt: Mapped[str | None] = mapped_column(String(20))
    stream_url: Mapped[str] = mapped_column(String(1000))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=lambda: datetime.now(UTC))
