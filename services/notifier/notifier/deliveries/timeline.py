"""Tell dispatch how the alerts about an incident went: `kentongan.delivery.status_changed` on `deliveries.v1`,
through notifier's outbox (in the transaction that changed the states), for each delivery about an incident that
reached sent, delivered, read or failed. Ids, channel and status only. One event per incident per transaction
(chunked at `MAX_CHANGES`): an event per delivery cost an outbox row, a relay round and a broker record for
every message sent, as much as the send itself."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events.deliveries import MAX_CHANGES, DeliveryStatus, DeliveryStatusChanged
from kentongan.events.envelope import EventModel
from kentongan.outbox import add_events
from notifier.models import outbox

REPORTED = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed", "dead": "failed"}
Change = tuple[UUID, DeliveryStatus]


def change_of(delivery: Any, status: str, at: datetime | None = None) -> Change | None:
    """(incident id, the change) for a delivery that reached `status`, or None if it is not about an incident."""
    if delivery.incident_id is None or status not in REPORTED:
        return None
    return delivery.incident_id, DeliveryStatus(delivery_id=delivery.id, recipient=delivery.recipient,
                                                channel=delivery.channel, status=REPORTED[status],
                                                attempts=delivery.attempts, at=at or datetime.now(UTC))


async def report(session: AsyncSession, deliveries: list[Any]) -> None:
    await add(session, [change_of(d, d.status) for d in deliveries])


async def add(session: AsyncSession, changes: list[Change | None]) -> None:
    by_incident: dict[UUID, list[DeliveryStatus]] = defaultdict(list)
    for change in changes:
        if change is not None:
            by_incident[change[0]].append(change[1])
    events: list[EventModel] = [
        DeliveryStatusChanged(incident_id=incident_id, changes=statuses[start:start + MAX_CHANGES])
        for incident_id, statuses in by_incident.items() for start in range(0, len(statuses), MAX_CHANGES)]
    if events:
        await add_events(session, outbox, events)
