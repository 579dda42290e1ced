"""Every change to an incident leaves the same way: an event in the outbox (for other services) and a
NOTIFY for the live stream of every dispatch replica, both committed with the change itself.

Both are bounded whatever the size of the incident: the event carries the alarm count, the alarm that caused
the change and at most the first few alarm ids; the NOTIFY only identifies the change (event id and type,
incident id and version, that alarm), and each replica reads the incident's current view itself (see
`stream.py`). PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more, and the whole transaction with it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

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
    """An incident change as it is announced to other services (the event)."""

    event: events.IncidentChanged


def change(incident: Incident, event: type[events.IncidentChanged], alarm_id: UUID | None = None,
           report_id: UUID | None = None) -> Change:
    """Bump the version of an incident just changed in memory and take the change as it is now, so several
    changes to one incident in a transaction are each announced with their own state. `alarm_id` or
    `report_id`: the alarm or urgent report that caused it (it opened the incident or joined it)."""
    if event is not events.IncidentOpened:
        incident.version += 1
        incident.updated_at = datetime.now(UTC)
    return Change(_as_event(incident, event, alarm_id, report_id))


def _as_event(incident: Incident, event: type[events.IncidentChanged], alarm_id: UUID | None,
              report_id: UUID | None = None) -> events.IncidentChanged:
    return event(
        incident_id=incident.id, status=incident.status, category=incident.category, priority=incident.priority,
        lat=incident.lat, lon=incident.lon, area=incident.area, source=incident.source, report_id=incident.report_id,
        silent=incident.silent, unauthenticated=incident.unauthenticated, duress=incident.duress,
        alarm_ids=incident.alarm_ids[:events.ALARM_IDS_SHOWN], alarm_count=incident.alarm_count,
        alarm_id=alarm_id, placed_report_id=report_id, unprocessed=incident.unprocessed, unit_id=incident.unit_id,
        escalation_level=incident.escalation_level, opened_at=incident.opened_at,
        updated_at=incident.updated_at, version=incident.version,
    )


async def confirm_placements(session: AsyncSession, placed: Sequence[tuple[Incident, UUID | None]],
                             report_id: UUID | None = None) -> None:
    """Announce again that each alarm (or the urgent report `report_id`) is in its incident, as it is now: for a
    producer that published it again, not having heard (kentongan.placement). The incident does not change, so
    there is no new version and nothing for the live stream."""
    await add_events(session, outbox, [_as_event(incident, events.IncidentPlacementConfirmed, alarm_id, report_id)
                                       for incident, alarm_id in placed])


def stream_view(incident: Incident) -> dict:
    """The incident as the live stream shows it (the queue's view, as JSON)."""
    return IncidentView.model_validate(incident).model_dump(mode="json")


def notice(event_id: str, event_type: str, view: dict, alarm_id: str | None = None) -> dict:
    """A live-stream notice: which change (its event's id and type, the alarm it placed) and the incident
    after it."""
    return {"id": event_id, "type": event_type, "alarm_id": alarm_id, "incident": view}


def stream_signal(event_id: str, event: events.IncidentChanged) -> str:
    """The NOTIFY payload of a change: ids only (about 250 bytes), whatever the incident holds."""
    alarm_id = str(event.alarm_id) if event.alarm_id is not None else None
    return orjson.dumps({"id": event_id, "type": event.ce_type, "incident_id": str(event.incident_id),
                         "version": event.version, "alarm_id": alarm_id}).decode()


async def record_change(session: AsyncSession, incident: Incident, event: type[events.IncidentChanged],
                        report_id: UUID | None = None) -> None:
    """Bump the version, stage the event and the live-stream signal in the current transaction."""
    await record_changes(session, [change(incident, event, report_id=report_id)])


async def record_changes(session: AsyncSession, changes: list[Change]) -> None:
    """Flush the changes, then stage their events and live-stream signals, in order, a statement for each kind."""
    await session.flush()
    envelopes = await add_events(session, outbox, [c.event for c in changes])
    await notify(session, STREAM_CHANNEL, [stream_signal(envelope.id, c.event)
                                           for envelope, c in zip(envelopes, changes, strict=True)])
