"""Any partner event -> one signed webhook delivery per matching subscription.

A referral event's sealed fields (the agency's notes, the reporter's contact) are opened here and the
delivery's payload is sealed again with notifier's own keyring until it is sent: the partner receives the
text in clear inside its signed webhook, PostgreSQL never holds it in clear.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring
from kentongan.events import Envelope
from notifier.deliveries import service as deliveries
from notifier.subscriptions import repository


def webhook_payload(envelope: Envelope, bus: BusKeyring) -> dict:
    """The Standard Webhooks payload shape: {type, timestamp, data}, with the sealed fields opened."""
    return {"type": envelope.type, "timestamp": envelope.time.isoformat(), "data": bus.opened_data(envelope)}


async def on_partner_event(session: AsyncSession, envelope: Envelope, keyring: Keyring, bus: BusKeyring) -> None:
    """Queue the event for every subscription to its type (the named agency's only, if it names one)."""
    agency = getattr(envelope.data, "agency", None)
    subscriptions = await repository.matching(session, envelope.type, agency)
    payload = webhook_payload(envelope, bus)
    await deliveries.enqueue(session, envelope, [deliveries.NewDelivery(
        purpose="partner", recipient=f"subscription:{s.id}", channel="webhook", target=s.url, payload=payload,
        dedup_key=f"{envelope.id}|subscription:{s.id}|webhook", agency=s.agency, subscription_id=s.id,
        private_payload=True,
    ) for s in subscriptions], keyring)
