from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base


class DevMessage(Base):
    """A message 'sent' through the local development inbox (`GET /v1/dev/outbox`): its target and payload
    sealed together, the target findable by keyed hash (notifier.channels.dev_inbox)."""

    __tablename__ = "dev_messages"

    seq: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("deliveries.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    target_hash: Mapped[str] = mapped_column(String(64), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
