"""Alarm raised -> remember its device; incident progress -> "received", "acknowledged", "on the way" pushes.

Each milestone reaches a device at most once, however many incident events carry the same status, and
whichever of the alarm and the incident events arrives first. Pushes for a silent alarm, or for a
sexual-violence or child-abuse incident, carry data only: nothing appears on a lock screen someone else
may see. Once a caller of the incident cancelled under duress, no push goes to its callers at all.
"""

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
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


@dataclass(frozen=True)
class _Step:
    """What one incident event does to the callers' devices."""

    index: int
    incident_id: UUID
    placed: frozenset[UUID]  # the alarms it placed in the incident
    milestone: str | None  # None: nothing to tell (no milestone at this status, or a duress cancel)
    discreet: bool
    whole: UUID | None  # the incident, when the change concerns every alarm of it


def _step(index: int, incident: IncidentChanged) -> _Step:
    placed = frozenset({*incident.alarm_ids, *([incident.alarm_id] if incident.alarm_id is not None else [])})
    # After a duress cancel no push goes to the callers: one saying help is coming could be seen by the
    # person who forced it.
    milestone = None if incident.duress else MILESTONES.get(incident.status)
    return _Step(index, incident.incident_id, placed, milestone,
                 incident.silent or incident.category in SENSITIVE_CATEGORIES,
                 incident.incident_id if incident.alarm_id is None else None)


async def on_incidents_progress(session: AsyncSession, envelopes: list[Envelope]) -> None:
    """Tell each known device behind the incidents' alarms about a milestone it has not heard.

    An event names the alarm it placed (opening, merging), not every alarm of the incident: the alarms placed
    are remembered with their incident, and any other change reaches every alarm of it. A crowd's merges so
    touch one alarm each, not the whole crowd. A consumer's batch of events in order: consecutive events
    telling the same milestone share one placement and one update (a burst of incidents costs two statements,
    not two each)."""
    steps = [_step(i, e.data) for i, e in enumerate(envelopes)  # type: ignore[arg-type]
             if e.data.source == "alarm"]  # type: ignore[attr-defined]
    for (milestone, discreet), run in groupby(steps, key=lambda step: (step.milestone, step.discreet)):
        run_steps = list(run)
        await repository.place_many(session, {alarm: step.incident_id for step in run_steps for alarm in step.placed})
        if milestone is None:
            continue
        by_alarm: dict[UUID, _Step] = {}
        by_incident: dict[UUID, _Step] = {}
        for step in run_steps:
            for alarm in step.placed:
                by_alarm.setdefault(alarm, step)
            if step.whole is not None:
                by_incident.setdefault(step.whole, step)
        moved = await repository.advance(session, set(by_alarm), set(by_incident), milestone, discreet)
        pushes: dict[int, list[deliveries.NewDelivery]] = defaultdict(list)
        for row in moved:
            step = by_alarm.get(row.alarm_id) or by_incident[row.incident_id]
            if row.device_id is not None:
                pushes[step.index].append(_push(row, step.incident_id))
        await deliveries.enqueue_many(session, [(envelopes[index], found) for index, found in pushes.items()])
