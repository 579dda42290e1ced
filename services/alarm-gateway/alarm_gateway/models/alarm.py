from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from alarm_gateway.models import Base


class Alarm(Base):
    """A panic alarm raised by a device; its id is the client-generated idempotency key."""

    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_device_recent", "device_id", "created_at"),
                      Index("ix_alarms_incident", "incident_id"))

    id: Mapped[UUID] = mapped_column(primary_key=True)
    device_id: Mapped[UUID] = mapped_column(ForeignKey("devices.id"))
    category: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    silent: Mapped[bool] = mapped_column(Boolean)
    # The caller's note, sealed with the service keyring and bound to the alarm (kentongan.events.alarms.note_aad).
    note_key_id: Mapped[str | None] = mapped_column(String(64))
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(32))
    incident_id: Mapped[UUID | None]
    press_count: Mapped[int] = mapped_column(Integer, default=1)
    # Why the caller called it off, sealed like the note and bound to the alarm
    # (kentongan.events.alarms.cancel_reason_aad).
    cancel_reason_key_id: Mapped[str | None] = mapped_column(String(64))
    cancel_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # [{"status": ..., "at": ISO time}] in order: what the app shows as the alarm's progress.
    timeline: Mapped[list[dict]] = mapped_column(JSONB)
    # When the button was pressed by the device's clock (offline presses arrive late), battery, and `delayed`
    # when it reached the gateway more than `delayed_after_s` after the press.
    pressed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    battery_pct: Mapped[int | None] = mapped_column(SmallInteger)
    delayed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    source: Mapped[str] = mapped_column(String(8), default="app", server_default="app")  # app | sms
    # Wrong PINs tried to cancel it (five escalate it), and when it was "cancelled" with the duress PIN: the
    # device sees a cancelled alarm, the Command Center a duress signal.
    wrong_pins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=lambda: datetime.now(UTC))
