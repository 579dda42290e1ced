from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base


class DeliveryReceipt(Base):
    """A provider's word on a message it accepted (WhatsApp status webhook, Twilio StatusCallback, a gateway's
    receipt). Kept apart from the delivery because a receipt can arrive before the worker has recorded the
    provider's message id; it is applied (`applied`) as soon as both are known. One row per status, so a
    provider repeating a webhook changes nothing."""

    __tablename__ = "delivery_receipts"
    __table_args__ = (
        UniqueConstraint("channel", "provider_message_id", "status", name="uq_delivery_receipts_status"),
        Index("ix_delivery_receipts_unapplied", "channel", "provider_message_id", postgresql_where=text("NOT applied")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # "sent" | "delivered" | "read" | "failed"
    error: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    applied: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
