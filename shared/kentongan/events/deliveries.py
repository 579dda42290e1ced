"""Events of message deliveries, produced by notifier on `deliveries.v1` (key: incident id).

They tell dispatch's incident timeline how the alert to each representative went ("RT 03: delivered by
WhatsApp 14:02:11"): ids, a channel and a status only, never an address or a text, one event per change.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel


class DeliveryStatusChanged(EventModel):
    """An alert about an incident reached a new state: sent (a provider took it), delivered, read, failed."""

    topic: ClassVar[str] = topics.DELIVERIES
    key_field: ClassVar[str] = "incident_id"
    ce_type: ClassVar[str] = "kentongan.delivery.status_changed"

    delivery_id: UUID
    incident_id: UUID
    recipient: str  # "rep:<id>" (a representative) or "device:<id>" (the caller's app)
    channel: str
    status: Literal["sent", "delivered", "read", "failed"]
    attempts: int
    at: datetime


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
