from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Float
from sqlalchemy.orm import Mapped, mapped_column

from cctv_ingest.models import Base


class IncidentFocus(Base):
    """An open incident's place: cameras around it are read often until it closes."""

    __tablename__ = "incident_focus"

    incident_id: Mapped[UUID] = mapped_column(primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
