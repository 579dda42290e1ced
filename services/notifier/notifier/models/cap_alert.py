from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base


class CapAlert(Base):
    """One published CAP 1.2 `<alert>` document (public: victim-safe like the broadcast it mirrors)."""

    __tablename__ = "cap_alerts"
    __table_args__ = (Index("ix_cap_alerts_incident", "incident_id", "sent"), Index("ix_cap_alerts_sent", "sent"))

    id: Mapped[UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[UUID]
    event_id: Mapped[str] = mapped_column(String(64))  # the incident event it was made from
    # What it announces, once however many events carry it: a broadcast's occasion, or the incident's end.
    occasion: Mapped[str] = mapped_column(String(300), unique=True)
    msg_type: Mapped[str] = mapped_column(String(16))  # "Alert" | "Update" | "Cancel"
    references: Mapped[str | None] = mapped_column(String(2000))
    headline: Mapped[str] = mapped_column(String(300))
    document: Mapped[str] = mapped_column(Text)
    sent: Mapped[datetime] = mapped_column(DateTime(timezone=True))
