"""Any partner event -> one signed webhook delivery per matching subscription."""

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import Envelope
from notifier.deliveries import service as deliveries
from notifier.subscriptions import repository


def webhook_payload(envelope: Envelope) -> dict:
    """The Standard Webhooks payload shape: {type, timestamp, data}."""
    return {"type": envelope.type, "timestamp": envelope.time.isoformat(),
            "data": envelope.data.model_dump(mode="json")}


async def on_partner_event(session: AsyncSession, envelope: Envelope) -> None:
    """Queue the event for every subscription to its type (the named agency's only, if it names one)."""
    agency = getattr(envelope.data, "agency", None)
    subscriptions = await repository.matching(session, envelope.type, agency)
    payload = webhook_payload(envelope)
    await deliveries.enqueue(session, envelope, [deliveries.NewDelivery(
        purpose="partner", recipient=f"subscription:{s.id}", channel="webhook", target=s.url, payload=payload,
        dedup_key=f"{envelope.id}|subscription:{s.id}|webhook", agency=s.agency, subscription_id=s.id,
    ) for s in subscriptions])
