"""Which events alarm-gateway consumes, and who handles them."""

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms.handlers import on_incidents_changed
from alarm_gateway.profiles.contacts import alert_contacts
from alarm_gateway.profiles.keys import ProfileKeys
from kentongan.consumer import Batched, Handler
from kentongan.events import Envelope, incidents


def event_handlers(keys: ProfileKeys) -> dict[str, Handler]:
    """One handler for every incident event type, so a poll's events reach it together, in order: the alarms'
    progress, then the emergency contacts of the alarms just placed."""
    async def on_incidents(session: AsyncSession, envelopes: list[Envelope]) -> None:
        placed = await on_incidents_changed(session, envelopes)
        await alert_contacts(session, keys, placed)

    handler = Batched(on_incidents)
    return {model.ce_type: handler for model in incidents.IncidentChanged.__subclasses__()}
