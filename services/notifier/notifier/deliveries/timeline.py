"""Tell dispatch how the alerts about an incident went: `kentongan.delivery.status_changed` on `deliveries.v1`,
through notifier's outbox (in the transaction that changed the state), for each delivery about an incident that
reached sent, delivered, read or failed. Ids, channel and status only; one small event per change."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events.deliveries import DeliveryStatusChanged
from kentongan.events.envelope import EventModel
from kentongan.outbox import add_events
from notifier.models import outbox

REPORTED = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed", "dead": "failed"}


def change_of(delivery, status: str, at: datetime | None = None) -> DeliveryStatusChanged | None:
    """The event for a delivery that reached `status`, or None if it is not about an incident."""
    if delivery.incident_id is None or status not in REPORTED:
        return None
    return DeliveryStatusChanged(delivery_id=delivery.id, incident_id=delivery.incident_id,
                                 recipient=delivery.recipient, channel=delivery.channel, status=REPORTED[status],
                                 attempts=delivery.attempts, at=at or datetime.now(UTC))


async def report(session: AsyncSession, deliveries: list) -> None:
    await add(session, [change_of(d, d.status) for d in deliveries])


async def add(session: AsyncSession, changes: list[DeliveryStatusChanged | None]) -> None:
    events: list[EventModel] = [change for change in changes if change is not None]
    if events:
        await add_events(session, outbox, events)
