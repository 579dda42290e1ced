from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Identity, Index
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class IncidentLocation(Base):
    """One point of the live location trail of an incident's caller."""

    __tablename__ = "incident_locations"
    __table_args__ = (Index("ix_incident_locations_trail", "incident_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(ForeignKey("incidents.id"))
    alarm_id: Mapped[UUID | None]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
