"""Incident events from dispatch, turned into the alarm status the app shows."""

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms import repository
from kentongan.events import Envelope
from kentongan.events.incidents import IncidentChanged

# Incident status -> what the citizen sees. Escalations and notes change nothing for them.
ALARM_STATUS = {
    "open": "received",
    "acknowledged": "acknowledged",
    "assigned": "unit_dispatched",
    "en_route": "unit_dispatched",
    "on_scene": "unit_dispatched",
    "resolved": "resolved",
    "cancelled": "cancelled",
}


async def on_incident_changed(session: AsyncSession, envelope: Envelope) -> None:
    incident: IncidentChanged = envelope.data  # type: ignore[assignment]
    if incident.source != "alarm" or not incident.alarm_ids:
        return
    await repository.set_status_for_incident(session, incident.alarm_ids, incident.incident_id,
                                             ALARM_STATUS.get(incident.status), incident.updated_at)
