from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class IncidentDelivery(Base):
    """How one of notifier's alerts about an incident went (from `deliveries.v1`): ids, channel, state only,
    never an address or a text. The incident view shows them counted per channel and state."""

    __tablename__ = "incident_deliveries"

    delivery_id: Mapped[UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(index=True)  # no foreign key: an event never waits for a row
    recipient: Mapped[str] = mapped_column(String(64))  # "rep:<id>" or "device:<id>"
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # sent | delivered | read | failed
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
