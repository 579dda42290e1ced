"""Every change to an incident leaves the same way: an event in the outbox (for other services) and a
NOTIFY for the live stream of every dispatch replica, both committed with the change itself."""

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.incidents.schemas import Incident as IncidentView
from dispatch.models import Incident, outbox
from kentongan.events import incidents as events
from kentongan.notify import notify
from kentongan.outbox import add_events

STREAM_CHANNEL = "dispatch_incident_changes"


@dataclass(frozen=True)
class Change:
    """An incident change as it is announced: the event for other services, the view for the live stream."""

    event: events.IncidentChanged
    view: dict


def change(incident: Incident, event: type[events.IncidentChanged]) -> Change:
    """Bump the version of an incident just changed in memory and take the change as it is now, so several
    changes to one incident in a transaction are each announced with their own state."""
    if event is not events.IncidentOpened:
        incident.version += 1
        incident.updated_at = datetime.now(UTC)
    return Change(event(
        incident_id=incident.id, status=incident.status, category=incident.category, priority=incident.priority,
        lat=incident.lat, lon=incident.lon, area=incident.area, source=incident.source, silent=incident.silent,
        unauthenticated=incident.unauthenticated, alarm_ids=incident.alarm_ids, unit_id=incident.unit_id,
        escalation_level=incident.escalation_level, outcome=incident.outcome, opened_at=incident.opened_at,
        updated_at=incident.updated_at, version=incident.version,
    ), stream_view(incident))


def stream_view(incident: Incident) -> dict:
    """The incident as the live stream shows it (the queue's view, as JSON)."""
    return IncidentView.model_validate(incident).model_dump(mode="json")


def notice(event_id: str, event_type: str, view: dict) -> dict:
    """A live-stream notice: which change (its event's id and type) and the incident after it."""
    return {"id": event_id, "type": event_type, "incident": view}


async def record_change(session: AsyncSession, incident: Incident, event: type[events.IncidentChanged]) -> None:
    """Bump the version, stage the event and the live-stream notice in the current transaction."""
    await record_changes(session, [change(incident, event)])


async def record_changes(session: AsyncSession, changes: list[Change]) -> None:
    """Flush the changes, then stage their events and live-stream notices, in order, a statement for each kind."""
    await session.flush()
    envelopes = await add_events(session, outbox, [c.event for c in changes])
    await notify(session, STREAM_CHANNEL, [
        orjson.dumps(notice(envelope.id, envelope.type, c.view)).decode()
        for envelope, c in zip(envelopes, changes, strict=True)
    ])
