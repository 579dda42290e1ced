from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class CallerProfile(Base):
    """The latest profile of a device's owner, as alarm-gateway published it: still sealed with the caller
    keyring (bound to the device id), opened only to show an incident's callers."""

    __tablename__ = "caller_profiles"

    device_id: Mapped[UUID] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CallerRead(Base):
    """Who read the callers' details of which incident, and when (listed by supervisors)."""

    __tablename__ = "caller_reads"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(index=True)
    reader: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


class CallbackAttempt(Base):
    """An operator calling a caller back. The number dialled is sealed (caller keyring, bound to the incident),
    so is the note; the outcome is plain."""

    __tablename__ = "incident_callbacks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    operator: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # {"caller_phone", "note"}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
