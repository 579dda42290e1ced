"""Incident events from dispatch, turned into the alarm status the app shows."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms import repository
from alarm_gateway.alarms.service import timeline_entry
from kentongan.events import Envelope

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


async def on_incidents_changed(session: AsyncSession, envelopes: list[Envelope]) -> dict[UUID, str]:
    """A poll's incident events, applied in order to the alarms they name (locked and loaded at once). Returns
    the alarms placed in an incident for the first time (not cancelled), with the incident's area."""
    changes = [envelope.data for envelope in envelopes
               if envelope.data.source == "alarm" and envelope.data.alarm_ids]  # type: ignore[attr-defined]
    named = {alarm_id for change in changes for alarm_id in change.alarm_ids}
    alarms = await repository.lock_progress(session, named)
    changed: set[UUID] = set()
    placed: dict[UUID, str] = {}
    for incident in changes:
        status = ALARM_STATUS.get(incident.status)
        for alarm in (alarms[alarm_id] for alarm_id in incident.alarm_ids if alarm_id in alarms):
            if alarm.status == "cancelled":
                continue  # the caller called it off: later incident changes no longer concern them
            if alarm.incident_id != incident.incident_id:
                if alarm.incident_id is None:
                    placed[alarm.id] = incident.area
                alarm.incident_id = incident.incident_id
                changed.add(alarm.id)
            if status is not None and alarm.status != status:
                alarm.status = status
                alarm.timeline = [*alarm.timeline, timeline_entry(status, incident.updated_at)]
                changed.add(alarm.id)
    await repository.save_progress(session, [alarms[alarm_id] for alarm_id in changed])
    return placed
