"""Alarm raised -> remember its device; incident progress -> "received", "acknowledged", "on the way" pushes.

Each milestone reaches a device at most once, however many incident events carry the same status, and
whichever of the alarm and the incident events arrives first. Pushes for a silent alarm, or for a
sexual-violence or child-abuse incident, carry data only: nothing appears on a lock screen someone else
may see. Once a caller of the incident cancelled under duress, no push goes to its callers at all.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import Envelope
from kentongan.events.alarms import AlarmRaised
from kentongan.events.incidents import SENSITIVE_CATEGORIES, IncidentChanged, IncidentStatus
from notifier import templates
from notifier.citizens import repository
from notifier.deliveries import service as deliveries
from notifier.models import AlarmDevice

# What the caller's phone is told as the incident holding their alarm moves along; later statuses say nothing more.
MILESTONES: dict[IncidentStatus, str] = {"open": "received", "acknowledged": "acknowledged", "assigned": "unit_on_the_way",
              "en_route": "unit_on_the_way"}


def _push(alarm: AlarmDevice | Row[Any], incident_id: UUID | None = None) -> deliveries.NewDelivery:
    data = {"kind": f"citizen.{alarm.milestone}", "alarm_id": str(alarm.alarm_id), "status": alarm.milestone}
    payload = {"data": data} if alarm.silent else {**templates.render(f"citizen.{alarm.milestone}"), "data": data}
    return deliveries.NewDelivery(
        purpose="citizen", recipient=f"device:{alarm.device_id}", channel="push",
        target=alarm.push_token or f"device:{alarm.device_id}", payload=payload, incident_id=incident_id,
        dedup_key=f"alarm:{alarm.alarm_id}:{alarm.milestone}|device:{alarm.device_id}|push")


async def on_alarm_raised(session: AsyncSession, envelope: Envelope) -> None:
    """Remember the device; if its incident already moved on, tell it the latest milestone now."""
    alarm: AlarmRaised = envelope.data  # type: ignore[assignment]
    row = await repository.remember_device(session, alarm.alarm_id, alarm.device_id, alarm.push_token,
                                           alarm.raised_at)
    if row.milestone is not None:
        await deliveries.enqueue(session, envelope, [_push(row)])


async def on_incident_progress(session: AsyncSession, envelope: Envelope) -> None:
    """Tell each known device behind the incident's alarms about a milestone it has not heard.

    An event names the alarm it placed (opening, merging), not every alarm of the incident: the alarms placed
    are remembered with their incident, and any other change reaches every alarm of it. A crowd's merges so
    touch one alarm each, not the whole crowd."""
    incident: IncidentChanged = envelope.data  # type: ignore[assignment]
    if incident.source != "alarm":
        return
    placed = {*incident.alarm_ids, *([incident.alarm_id] if incident.alarm_id is not None else [])}
    await repository.place(session, placed, incident.incident_id)
    milestone = MILESTONES.get(incident.status)
    if milestone is None:
        return
    if incident.duress:
        return  # someone forced a caller to cancel: a push saying help is coming could be seen by them
    discreet = incident.silent or incident.category in SENSITIVE_CATEGORIES
    whole = incident.incident_id if incident.alarm_id is None else None
    moved = await repository.advance(session, placed, whole, milestone, discreet)
    await deliveries.enqueue(session, envelope, [_push(row, incident.incident_id) for row in moved
                                                 if row.device_id is not None])
