from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from kentongan.paging import Page

# pending is "queued"; sent: a provider with receipts took it; delivered / read / failed: from its receipts (a
# channel without receipts goes straight to delivered); retrying / dead / interrupted: the request itself failed.
DeliveryStatus = Literal["pending", "sending", "sent", "delivered", "read", "failed", "retrying", "dead",
                         "interrupted"]


class Attempt(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    outcome: Literal["delivered", "failed", "interrupted"]
    status_code: int | None
    error: str | None
    duration_ms: float | None
    at: datetime


class Delivery(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    event_id: str
    event_type: str
    subscription_id: UUID | None
    target: str
    status: DeliveryStatus
    attempts: list[Attempt]
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None = None
    delivered_at: datetime | None
    read_at: datetime | None = None

    @classmethod
    def of(cls, delivery, attempts) -> "Delivery":
        data = {c: getattr(delivery, c) for c in cls.model_fields if c != "attempts"}
        return cls(**data, attempts=[Attempt.model_validate(a) for a in attempts])


class IncidentNotification(BaseModel):
    """One message about an incident, as the Command Center sees it: who, how, and whether it arrived (no
    contact addresses, no message text)."""

    id: UUID
    purpose: Literal["broadcast", "citizen"]
    event_type: str
    recipient: str  # "rep:<id>" or "device:<id>"
    recipient_name: str | None  # a representative's name, RT/RW and kelurahan; None for the caller's device
    channel: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None = None
    delivered_at: datetime | None
    read_at: datetime | None = None


class DeliveryPage(Page[Delivery]):
    pass
