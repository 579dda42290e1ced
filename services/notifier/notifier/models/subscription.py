from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, DateTime, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from notifier.models import Base


class Subscription(Base):
    """A partner agency's webhook endpoint and the event types it wants."""

    __tablename__ = "subscriptions"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(128)))
    # Standard Webhooks signing secret ("whsec_<base64>"), shown to the partner once at creation; kept sealed
    # (base64) with the notifier keyring under `secret_key_id` (subscriptions.secrets).
    secret: Mapped[str] = mapped_column(String(256))
    secret_key_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
