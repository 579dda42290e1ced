"""Events of message deliveries, produced by notifier on `deliveries.v1` (key: incident id).

They tell dispatch's incident view how the alerts about it went ("RT 03: delivered by WhatsApp 14:02:11"): ids,
a channel and a status only, never an address or a text. One event carries the changes of one incident's alerts
that one transaction made (a broadcast's 20 outcomes are one event, not 20), at most `MAX_CHANGES` of them.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from kentongan.events import topics
from kentongan.events.envelope import EventModel

MAX_CHANGES = 100  # per event: keeps each record small whatever the fan-out


class DeliveryStatus(BaseModel):
    """One alert reached a new state: sent (a provider took it), delivered, read, failed."""

    delivery_id: UUID
    recipient: str  # "rep:<id>" (a representative) or "device:<id>" (the caller's app)
    channel: str
    status: Literal["sent", "delivered", "read", "failed"]
    attempts: int
    at: datetime


class DeliveryStatusChanged(EventModel):
    """Alerts about an incident reached new states, in the order they did."""

    topic: ClassVar[str] = topics.DELIVERIES
    key_field: ClassVar[str] = "incident_id"
    ce_type: ClassVar[str] = "kentongan.delivery.status_changed"

    incident_id: UUID
    changes: list[DeliveryStatus] = Field(min_length=1, max_length=MAX_CHANGES)


STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3}
FINAL_STATUSES = frozenset({"failed", "read"})


def advances(current: str, new: str) -> bool:
    """Whether `new` moves a message on from `current`: states arrive out of order (a `read` before its
    `delivered`), never go back, and a message that was delivered cannot fail afterwards."""
    if current in FINAL_STATUSES or current == new:
        return False
    if new == "failed":
        return current not in ("delivered", "read")
    return STATUS_RANK.get(new, 0) > STATUS_RANK.get(current, 0)
