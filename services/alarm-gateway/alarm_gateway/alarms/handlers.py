"""Incident events from dispatch, turned into the alarm status the app shows."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms import repository
from alarm_gateway.alarms.service import timeline_entry
from alarm_gateway.models import awaiting
from kentongan.events import Envelope
from kentongan.events.incidents import IncidentChanged
from kentongan.placement import confirm_placed

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


async def on_incidents_changed(session: AsyncSession, envelopes: list[Envelope]) -> None:
    """A poll's incident events, applied in order to the alarms they name (locked and loaded at once)."""
    changes: list[IncidentChanged] = [envelope.data for envelope in envelopes  # type: ignore[misc]
                                      if envelope.data.source == "alarm"]  # type: ignore[attr-defined]
    named = {alarm_id for change in changes for alarm_id in change.alarm_ids}
    alarms = await repository.lock_progress(session, named)
    changed: set[UUID] = set()
    for incident in changes:
        status = ALARM_STATUS.get(incident.status)
        for alarm in (alarms[alarm_id] for alarm_id in incident.alarm_ids if alarm_id in alarms):
            if alarm.status == "cancelled":
                continue  # the caller called it off: later incident changes no longer concern them
            if alarm.incident_id != incident.incident_id:
                alarm.incident_id = incident.incident_id
                changed.add(alarm.id)
            if status is not None and alarm.status != status:
                alarm.status = status
                alarm.timeline = [*alarm.timeline, timeline_entry(status, incident.updated_at)]
                changed.add(alarm.id)
    await repository.save_progress(session, [alarms[alarm_id] for alarm_id in changed])
    await confirm_placed(session, awaiting, {str(alarm_id) for change in changes for alarm_id in placed_by(change)})


def placed_by(change: IncidentChanged) -> list[UUID]:
    """The alarms an incident event shows placed: the alarm whose arrival caused the change (when the event
    names it), and any alarm ids it lists."""
    cause = getattr(change, "alarm_id", None)
    return [*change.alarm_ids, cause] if cause is not None else change.alarm_ids
