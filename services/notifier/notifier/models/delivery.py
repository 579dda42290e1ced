from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base

# Deliveries waiting to be sent, as literal SQL: the claim query repeats the partial index's predicate word for
# word, so PostgreSQL can use the index with a cached (generic) plan too.
DUE = text("status IN ('pending', 'retrying')")


class Delivery(Base):
    """One message to one recipient on one channel, sent at most once (its `dedup_key` is unique).

    Status: pending -> sending (claimed, committed before the request) -> delivered | retrying | dead;
    a `sending` row whose worker died is marked `interrupted` and never sent again by itself.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=DUE),
        Index("ix_deliveries_sending", "claimed_at", postgresql_where=text("status = 'sending'")),
        Index("ix_deliveries_agency", "agency", "created_at"),
        Index("ix_deliveries_incident", "incident_id", "created_at", postgresql_where=text("incident_id IS NOT NULL")),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    # "<event or milestone>|<recipient>|<channel>": the at-most-once guarantee lives in this constraint.
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(128))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purpose: Mapped[str] = mapped_column(String(32))  # "broadcast" | "citizen" | "reporter" | "device" | "partner"
    # "rep:<id>", "device:<id>", "reporter:<report id>", "subscription:<id>"
    recipient: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2000))
    # Set when the target is sealed (a reporter's phone): `target` then holds the sealed value in base64, bound
    # to this row's id, and this is the id of the key that opens it.
    target_key_id: Mapped[str | None] = mapped_column(String(64))
    # host:port of the target, so that one slow endpoint is capped without holding up the others.
    target_host: Mapped[str] = mapped_column(String(300))
    agency: Mapped[str | None] = mapped_column(String(64))
    subscription_id: Mapped[UUID | None] = mapped_column(ForeignKey("subscriptions.id"))
    # The incident a broadcast or a citizen's push is about, so operators can see who was told.
    incident_id: Mapped[UUID | None] = mapped_column()
    payload: Mapped[dict] = mapped_column(JSONB)
    # Set when the payload is sealed (a partner's webhook, which may carry a case's notes and the reporter's
    # contact): `payload` then is {"sealed": base64} bound to this row's id, emptied once delivered.
    payload_key_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeliveryAttempt(Base):
    """One try of a delivery and how it ended."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # "delivered" | "failed" | "interrupted"
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(1000))
    duration_ms: Mapped[float | None]
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
