from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from alarm_gateway.models import Base


class Device(Base):
    """An installation of the mobile app."""

    __tablename__ = "devices"
    __table_args__ = (Index("ix_devices_blocked_at", "blocked_at", postgresql_where=text("blocked_at IS NOT NULL")),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    app_version: Mapped[str | None] = mapped_column(String(32))
    push_token: Mapped[str | None] = mapped_column(String(512))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set by a supervisor (prank or abusive alarms): the device's new alarms are refused until unblocked.
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_by: Mapped[str | None] = mapped_column(String(200))
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    # argon2 hashes of the PINs that cancel the device's alarms: the cancel PIN calls an alarm off; the duress
    # PIN looks the same to whoever holds the phone but tells the Command Center the caller is forced.
    cancel_pin_hash: Mapped[str | None] = mapped_column(String(200))
    duress_pin_hash: Mapped[str | None] = mapped_column(String(200))
