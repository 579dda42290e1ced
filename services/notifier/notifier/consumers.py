"""Which events notifier consumes, and who handles them."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.bus_crypto import BusKeyring
from kentongan.consumer import Batched, Handler
from kentongan.crypto import Keyring
from kentongan.events import Envelope, incidents
from kentongan.events.alarms import AlarmRaised
from kentongan.events.devices import DeviceErased, DeviceSms
from kentongan.events.reports import ReportErased, ReporterUpdate
from notifier.broadcast.handlers import on_incident_alerts
from notifier.cap import service as cap
from notifier.citizens.handlers import on_alarm_raised, on_incidents_progress
from notifier.devices.handlers import on_device_erased, on_device_sms
from notifier.reporters.handlers import on_report_erased, on_reporter_update
from notifier.settings import Settings
from notifier.subscriptions.handlers import on_partner_event
from notifier.subscriptions.service import partner_event_types

BROADCAST_TYPES = {incidents.IncidentOpened.ce_type, incidents.IncidentEscalated.ce_type}
CLOSING_TYPES = {incidents.IncidentResolved.ce_type, incidents.IncidentCancelled.ce_type}


def _incident_handler(settings: Settings, ce_type: str) -> Handler:
    """The handler of one incident event type, for a batch of its events at once (`Batched`): a burst of
    incidents costs a few statements per batch, not per incident."""

    async def handle_many(session: AsyncSession, envelopes: list[Envelope]) -> None:
        changes: list[incidents.IncidentChanged] = [envelope.data for envelope in envelopes]  # type: ignore[misc]
        authenticated = [e for e, c in zip(envelopes, changes, strict=True) if not c.unauthenticated]
        if ce_type == incidents.IncidentAcknowledged.ce_type:
            # Anyone can send an anonymous urgent report: its broadcast waits for an operator's
            # acknowledgement and then goes out once, whatever happens to the incident after.
            anonymous = [e for e, c in zip(envelopes, changes, strict=True) if c.unauthenticated]
            await on_incident_alerts(session, anonymous, settings, once_per_incident=True)
        elif ce_type in BROADCAST_TYPES:
            await on_incident_alerts(session, authenticated, settings)
            await cap.publish_many(session, authenticated, settings)  # every RT broadcast is also a public CAP alert
        elif ce_type in CLOSING_TYPES:
            await cap.publish_many(session, authenticated, settings, closing=True)
        await on_incidents_progress(session, envelopes)

    return Batched(handle_many)


def handlers(settings: Settings, keyring: Keyring, bus: BusKeyring) -> dict[str, Handler]:
    """ce_type -> handler, for incidents (broadcast, citizens), alarms (devices), reporter updates, device
    messages, erasures and partner events."""
    registry: dict[str, Handler] = {AlarmRaised.ce_type: on_alarm_raised,
                                    ReporterUpdate.ce_type: partial(on_reporter_update, keyring=keyring, bus=bus),
                                    DeviceSms.ce_type: partial(on_device_sms, keyring=keyring, bus=bus, settings=settings),
                                    DeviceErased.ce_type: on_device_erased, ReportErased.ce_type: on_report_erased}
    for model in incidents.IncidentChanged.__subclasses__():
        registry[model.ce_type] = _incident_handler(settings, model.ce_type)
    for ce_type in partner_event_types():
        registry[ce_type] = partial(on_partner_event, keyring=keyring, bus=bus)
    return registry
