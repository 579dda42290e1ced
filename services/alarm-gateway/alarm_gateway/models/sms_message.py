from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from alarm_gateway.models import Base


class InboundSms(Base):
    """An inbound SMS the provider delivered (by its webhook id), so a redelivery raises nothing twice. Neither
    the sender nor the text is kept."""

    __tablename__ = "inbound_sms"

    webhook_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32))  # alarm | unknown_number | no_keyword
    alarm_id: Mapped[UUID | None]
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
