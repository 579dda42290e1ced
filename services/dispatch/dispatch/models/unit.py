from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import DateTime, Float, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class Unit(Base):
    """A patrol unit (car, motorbike, foot patrol) with its last known position."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # call sign, e.g. "SMG-PATROLI-07"
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), default="car")
    status: Mapped[str] = mapped_column(String(16), index=True)  # available | busy | off_duty
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    incident_id: Mapped[UUID | None]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=lambda: datetime.now(UTC))
