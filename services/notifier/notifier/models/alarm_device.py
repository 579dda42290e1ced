from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base


class AlarmDevice(Base):
    """An alarm's device (from `kentongan.alarm.raised`) and the latest milestone its incident reached.

    Alarms and incidents travel on different topics, so either may arrive first: a row can know the
    milestone before it knows the device, and the device then hears the latest milestone on arrival.
    """

    __tablename__ = "alarm_devices"
    __table_args__ = (Index("ix_alarm_devices_incident", "incident_id"),)

    alarm_id: Mapped[UUID] = mapped_column(primary_key=True)
    device_id: Mapped[UUID | None]
    push_token: Mapped[str | None] = mapped_column(String(512))
    milestone: Mapped[str | None] = mapped_column(String(32))
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The incident the alarm was placed in (incident events name the alarm they place, not every alarm).
    incident_id: Mapped[UUID | None] = mapped_column()
