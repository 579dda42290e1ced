"""`kentongan.delivery.status_changed` -> the delivery's state in dispatch, a batch at a time."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.deliveries import repository
from kentongan.events import Envelope
from kentongan.events.deliveries import DeliveryStatusChanged, advances


async def on_delivery_status_changed(session: AsyncSession, envelopes: list[Envelope]) -> None:
    """Each delivery's most advanced state in the batch, then one statement for them all (a statement may
    touch a row once)."""
    latest: dict[Any, dict[str, Any]] = {}
    for envelope in envelopes:
        event: DeliveryStatusChanged = envelope.data  # type: ignore[assignment]
        for change in event.changes:
            seen = latest.get(change.delivery_id)
            if seen is None or advances(seen["status"], change.status):
                latest[change.delivery_id] = {
                    "delivery_id": change.delivery_id, "incident_id": event.incident_id,
                    "recipient": change.recipient[:64], "channel": change.channel[:16], "status": change.status,
                    "at": change.at}
    await repository.record(session, list(latest.values()))
