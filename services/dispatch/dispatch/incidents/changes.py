"""Every change to an incident leaves the same way: an event in the outbox (for other services) and a
NOTIFY for the live stream of every dispatch replica, both committed with the change itself."""

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.incidents.schemas import Incident as IncidentView
from dispatch.models import Incident, outbox
from kentongan.events import incidents as events
from kentongan.outbox import add_event

STREAM_CHANNEL = "dispatch_incident_changes"


async def record_change(session: AsyncSession, incident: Incident, event: type[events.IncidentChanged]) -> None:
    """Bump the version, stage the event and the live-stream notice in the current transaction."""
    if event is not events.IncidentOpened:
        incident.version += 1
    await session.flush()
    view = IncidentView.model_validate(incident)
    envelope = await add_event(session, outbox, event(
        incident_id=incident.id, status=incident.status, category=incident.category, priority=incident.priority,
        lat=incident.lat, lon=incident.lon, area=incident.area, source=incident.source, silent=incident.silent,
        alarm_ids=incident.alarm_ids, unit_id=incident.unit_id, escalation_level=incident.escalation_level,
        outcome=incident.outcome, opened_at=incident.opened_at, updated_at=view.updated_at,
        version=incident.version,
    ))
    notice = {"id": envelope.id, "type": envelope.type, "incident": view.model_dump(mode="json")}
    await session.execute(select(func.pg_notify(STREAM_CHANNEL, orjson.dumps(notice).decode())))
