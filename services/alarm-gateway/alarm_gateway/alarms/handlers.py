"""Incident events from dispatch, turned into the alarm status the app shows.

An incident event names the alarm it placed (`alarm_id`, on opening and merging), never every alarm of the
incident: the gateway remembers each alarm's incident, and a change of status reaches every alarm placed in
that incident (found by its `incident_id`)."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms import repository
from alarm_gateway.alarms.service import timeline_entry
from alarm_gateway.models import awaiting
from kentongan.events import Envelope
from kentongan.events.incidents import ALARM_STATUS_OF, IncidentChanged
from kentongan.placement import confirm_placed

# Incident status -> what the citizen sees (ALARM_STATUS_OF). Escalations and notes change nothing for them.


def _placed(change: IncidentChanged) -> set[UUID]:
    """The alarms the event says are in the incident: the one it placed, and the first few it lists (events
    published before the bound listed them all)."""
    return {*change.alarm_ids, *([change.alarm_id] if change.alarm_id is not None else [])}


async def on_incidents_changed(session: AsyncSession, envelopes: list[Envelope]) -> dict[UUID, str]:
    """A poll's incident events, applied in order to the alarms they concern (locked and loaded at once).
    Returns the alarms placed in an incident for the first time (not cancelled), with the incident's area."""
    changes: list[IncidentChanged] = [envelope.data for envelope in envelopes  # type: ignore[misc]
                                      if envelope.data.source == "alarm"]  # type: ignore[attr-defined]
    named = {alarm_id for change in changes for alarm_id in _placed(change)}
    # An event placing an alarm concerns that alarm alone (the others' status is what it was); any other
    # change concerns every alarm of the incident. A crowd's merges so never load the whole crowd.
    whole = {change.incident_id for change in changes if change.alarm_id is None}
    alarms = await repository.lock_progress(session, named, whole)
    changed: set[UUID] = set()
    first_placed: dict[UUID, str] = {}
    for incident in changes:
        placed = _placed(incident)
        status = ALARM_STATUS_OF.get(incident.status)
        for alarm in alarms.values():
            if alarm.id not in placed and (incident.alarm_id is not None or alarm.incident_id != incident.incident_id):
                continue
            if alarm.status == "cancelled":
                continue  # the caller called it off: later incident changes no longer concern them
            if alarm.incident_id != incident.incident_id:
                if alarm.incident_id is None:
                    first_placed[alarm.id] = incident.area
                alarm.incident_id = incident.incident_id
                changed.add(alarm.id)
            if status is not None and alarm.status != status:
                alarm.status = status
                alarm.timeline = [*alarm.timeline, timeline_entry(status, incident.updated_at)]
                changed.add(alarm.id)
    await repository.save_progress(session, [alarms[alarm_id] for alarm_id in changed])
    await confirm_placed(session, awaiting, {str(alarm_id) for change in changes for alarm_id in _placed(change)})
    return first_placed
