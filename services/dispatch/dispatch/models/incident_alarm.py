from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class IncidentAlarm(Base):
    """A panic alarm as dispatch keeps it, attached to the incident it opened or joined."""

    __tablename__ = "incident_alarms"
    __table_args__ = (Index("ix_incident_alarms_page", "incident_id", "raised_at", "alarm_id"),)  # paging

    alarm_id: Mapped[UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    device_id: Mapped[UUID]
    category: Mapped[str] = mapped_column(String(32))
    # The caller's note, sealed with dispatch's keyring and bound to the alarm (kentongan.events.alarms.note_aad).
    note_key_id: Mapped[str | None] = mapped_column(String(64))
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    silent: Mapped[bool] = mapped_column(Boolean)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why the caller called it off, sealed likewise (kentongan.events.alarms.cancel_reason_aad).
    cancel_reason_key_id: Mapped[str | None] = mapped_column(String(64))
    cancel_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The press by the device's clock, whether it arrived more than a minute late, battery, and app or SMS.
    pressed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delayed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    battery_pct: Mapped[int | None] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(8), default="app", server_default="app")
    location_last_known: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
