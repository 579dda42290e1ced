from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base


class AlarmDevice(Base):
    """Which device raised an alarm (kept from `kentongan.alarm.raised`), to tell it how help is coming."""

    __tablename__ = "alarm_devices"

    alarm_id: Mapped[UUID] = mapped_column(primary_key=True)
    device_id: Mapped[UUID]
    push_token: Mapped[str | None] = mapped_column(String(512))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
