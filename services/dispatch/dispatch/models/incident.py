from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base

# Word for word the partial index's predicate, so a prepared statement's generic plan can use that index.
ACTIVE = text("status NOT IN ('resolved', 'cancelled')")


class Incident(Base):
    """Something happening that the Command Center handles: one or more alarms, or an urgent report."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_queue", "priority", "opened_at"),
        Index("ix_incidents_active_place", "lat", "lon", postgresql_where=ACTIVE),
        Index("ux_incidents_fallback_key", "fallback_key", unique=True, postgresql_where=text("fallback_key IS NOT NULL")),
        Index("ix_incidents_active_source", "source_fingerprint", postgresql_where=text(
            "source_fingerprint IS NOT NULL AND status NOT IN ('resolved', 'cancelled')")),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    area: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16))
    report_id: Mapped[UUID | None]
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Opened by a caller who proved no identity (an anonymous urgent report): notifier holds its RT broadcast
    # until an operator acknowledges it, and more such reports from the same source join it.
    unauthenticated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # A keyed hash of where the unauthenticated report came from (report-intake's; never the address).
    source_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # A caller "cancelled" with the duress PIN: forced, in danger, at the top of the queue.
    duress: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The first alarms only (at most ALARM_IDS_SHOWN; every alarm is in incident_alarms) and how many there are:
    # a row, its events and its live-stream view stay the same size however large a crowd grows.
    alarm_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), default=list)
    alarm_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Opened from a message dispatch could not process (dead-lettered), keyed by that message's key so a
    # redelivery opens it once; supervisors check it by hand.
    unprocessed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fallback_key: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # What the operator wrote on resolving (or why it was cancelled), sealed with dispatch's keyring and bound
    # to the incident (dispatch.incidents.sealing).
    outcome_key_id: Mapped[str | None] = mapped_column(String(64))
    outcome_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_alarm_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=lambda: datetime.now(UTC))
    # Bumped on every change; clients may send it as If-Match to act only on what they saw.
    version: Mapped[int] = mapped_column(Integer, default=1)
