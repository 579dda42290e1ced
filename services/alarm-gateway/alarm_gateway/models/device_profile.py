from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from alarm_gateway.models import Base


class DeviceProfile(Base):
    """The owner of a device, as the Command Center sees the caller: sealed (name, phone, contacts, medical notes
    under `key_id`, bound to the device id). Only what queries need is in clear: a keyed hash of the phone (to
    find the device of an inbound SMS) and the state of its verification."""

    __tablename__ = "device_profiles"

    device_id: Mapped[UUID] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    phone_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    phone_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The pending one-time code (keyed hash) and its expiry; wrong codes lock verification for a while.
    code_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
