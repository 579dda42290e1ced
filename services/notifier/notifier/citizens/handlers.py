"""Alarm raised -> remember its device; incident progress -> "received", "acknowledged", "on the way" pushes.

Each milestone reaches a device at most once, however many incident events carry the same status.
A silent alarm's pushes carry data only, so nothing appears on a lock screen someone else may see.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import Envelope
from kentongan.events.alarms import AlarmRaised
from kentongan.events.incidents import IncidentChanged
from notifier import templates
from notifier.citizens import repository
from notifier.deliveries import service as deliveries

MILESTONES = {"open": "received", "acknowledged": "acknowledged", "assigned": "unit_on_the_way",
              "en_route": "unit_on_the_way"}


async def on_alarm_raised(session: AsyncSession, envelope: Envelope) -> None:
    alarm: AlarmRaised = envelope.data  # type: ignore[assignment]
    await repository.remember(session, alarm_id=alarm.alarm_id, device_id=alarm.device_id,
                              push_token=alarm.push_token, raised_at=alarm.raised_at)


def _payload(milestone: str, incident: IncidentChanged, alarm_id) -> dict:
    data = {"kind": f"citizen.{milestone}", "alarm_id": str(alarm_id), "status": milestone}
    if incident.silent:
        return {"data": data}
    return {**templates.render(f"citizen.{milestone}"), "data": data}


async def on_incident_progress(session: AsyncSession, envelope: Envelope) -> None:
    """Tell each known device behind the incident's alarms about a new milestone."""
    incident: IncidentChanged = envelope.data  # type: ignore[assignment]
    milestone = MILESTONES.get(incident.status)
    if milestone is None or incident.source != "alarm" or not incident.alarm_ids:
        return
    devices = await repository.devices_of(session, incident.alarm_ids)
    await deliveries.enqueue(session, envelope, [deliveries.NewDelivery(
        purpose="citizen", recipient=f"device:{d.device_id}", channel="push",
        target=d.push_token or f"device:{d.device_id}", payload=_payload(milestone, incident, d.alarm_id),
        dedup_key=f"alarm:{d.alarm_id}:{milestone}|device:{d.device_id}|push",
    ) for d in devices])
