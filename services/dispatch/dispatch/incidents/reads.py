"""What operators read about incidents: the queue in priority order, one incident's detail, and the pages of
its alarms, trail and notes (sealed text opened only for whoever may read it)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.deliveries import repository as deliveries
from dispatch.incidents import repository
from dispatch.incidents.errors import IncidentNotFound
from dispatch.incidents.schemas import (
    AlarmPage,
    AlarmView,
    IncidentDetail,
    IncidentPage,
    LocationPage,
    NotePage,
)
from dispatch.incidents.sealing import opened_note, outcome_of
from dispatch.models import Incident, IncidentAlarm
from kentongan.crypto import Keyring, open_text
from kentongan.events.alarms import cancel_reason_aad, note_aad
from kentongan.events.incidents import SENSITIVE_CATEGORIES
from kentongan.paging import DEFAULT_PAGE, cursor_of, page_of, parse_cursor
from kentongan.security import Operator


async def _existing(session: AsyncSession, incident_id: UUID) -> Incident:
    incident = await repository.get(session, incident_id)
    if incident is None:
        raise IncidentNotFound()
    return incident


async def get_detail(session: AsyncSession, keyring: Keyring, incident_id: UUID, viewer: Operator) -> IncidentDetail:
    """The incident with a page of its alarms, its latest trail and notes, its nearest snapshots; sensitive
    notes only for supervisors."""
    incident = await _existing(session, incident_id)
    alarms = await _alarm_page(session, keyring, incident, viewer, DEFAULT_PAGE, None)
    trail, trail_more = await repository.trail_of(session, incident_id)
    notes, notes_more = await repository.notes_of(session, incident_id)
    return IncidentDetail.model_validate({
        **{k: getattr(incident, k) for k in IncidentDetail.model_fields if hasattr(incident, k)},
        "alarms": alarms.items, "alarms_next": alarms.next,
        "outcome": outcome_of(keyring, incident), "trail": trail, "trail_more": trail_more,
        "notes": [opened_note(keyring, note) for note in notes], "notes_more": notes_more,
        "snapshots": await repository.snapshots_of(session, incident_id),
        "deliveries": await deliveries.counts_of(session, incident_id),
    })


async def queue_page(session: AsyncSession, *, statuses: list[str], category: str | None, area: str | None,
                     limit: int, after: str | None, alarm_id: UUID | None) -> IncidentPage:
    """A page of the queue in its priority order, and the cursor of the next."""
    position = parse_cursor(after, bool, int, datetime, UUID) if after else None
    rows = await repository.list_queue(session, statuses=statuses, category=category, area=area, limit=limit,
                                       after=position, alarm_id=alarm_id)
    return IncidentPage.model_validate(page_of(rows, limit, lambda i: (i.unprocessed, i.priority, i.opened_at, i.id)))


async def alarm_page(session: AsyncSession, keyring: Keyring, incident_id: UUID, viewer: Operator, limit: int,
                     after: str | None) -> AlarmPage:
    """A page of the incident's alarms in the order they were raised."""
    return await _alarm_page(session, keyring, await _existing(session, incident_id), viewer, limit, after)


async def _alarm_page(session: AsyncSession, keyring: Keyring, incident: Incident, viewer: Operator, limit: int,
                      after: str | None) -> AlarmPage:
    rows = await repository.alarms_page(session, incident.id, limit + 1, parse_cursor(after, datetime, UUID) if after else None)
    # Callers' notes are opened only for whoever may read them (sensitive categories: supervisors).
    shown = incident.category not in SENSITIVE_CATEGORIES or viewer.has_role("supervisor")
    alarms = [AlarmView.model_validate(a).model_copy(update=_opened(keyring, a) if shown else {})
              for a in rows[:limit]]
    following = cursor_of(rows[limit - 1].raised_at, rows[limit - 1].alarm_id) if len(rows) > limit else None
    return AlarmPage(items=alarms, next=following)


def _opened(keyring: Keyring, alarm: IncidentAlarm) -> dict[str, str | None]:
    return {"note": open_text(keyring, alarm.note_key_id, alarm.note_sealed, note_aad(alarm.alarm_id)),
            "cancel_reason": open_text(keyring, alarm.cancel_reason_key_id, alarm.cancel_reason_sealed,
                                       cancel_reason_aad(alarm.alarm_id))}


async def trail_page(session: AsyncSession, incident_id: UUID, limit: int, after: str | None) -> LocationPage:
    """A page of the incident's location trail, oldest first."""
    await _existing(session, incident_id)
    rows = await repository.trail_page(session, incident_id, limit + 1, parse_cursor(after, datetime, int) if after else None)
    following = cursor_of(rows[limit - 1].recorded_at, rows[limit - 1].id) if len(rows) > limit else None
    return LocationPage.model_validate({"items": rows[:limit], "next": following})


async def note_page(session: AsyncSession, keyring: Keyring, incident_id: UUID, limit: int,
                    after: str | None) -> NotePage:
    """A page of the incident's notes, oldest first."""
    await _existing(session, incident_id)
    rows = await repository.notes_page(session, incident_id, limit + 1, parse_cursor(after, datetime, int) if after else None)
    following = cursor_of(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return NotePage(items=[opened_note(keyring, note) for note in rows[:limit]], next=following)
