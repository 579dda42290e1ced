"""What operators do with incidents. Each action locks the incident row, checks the transition, and records
the change, so two operators acting at once get one success and one 409."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch import metrics
from dispatch.deliveries import repository as deliveries
from dispatch.incidents import repository
from dispatch.incidents.changes import notice, record_change, stream_view
from dispatch.incidents.errors import AlreadyAssigned, IncidentChanged, IncidentNotFound, InvalidTransition
from dispatch.incidents.priority import SENSITIVE_CATEGORIES, TOP_ESCALATION_LEVEL
from dispatch.incidents.schemas import (
    AlarmPage,
    AlarmView,
    IncidentDetail,
    IncidentPage,
    LocationPage,
    Note,
    NotePage,
    StatusRequest,
)
from dispatch.incidents.sealing import new_note, opened_note, outcome_of, set_outcome
from dispatch.models import Incident, IncidentAlarm
from dispatch.units import service as units
from kentongan.crypto import Keyring, open_text
from kentongan.events import incidents as events
from kentongan.events.alarms import cancel_reason_aad, note_aad
from kentongan.paging import DEFAULT_PAGE, cursor_of, page_of, parse_cursor
from kentongan.security import Operator

STATUS_EVENTS = {"en_route": events.IncidentStatusChanged, "on_scene": events.IncidentStatusChanged,
                 "resolved": events.IncidentResolved}
# Which statuses each new status may follow.
ALLOWED_FROM = {
    "en_route": {"assigned"},
    "on_scene": {"assigned", "en_route"},
    "resolved": {"open", "acknowledged", "assigned", "en_route", "on_scene"},
}


async def _load_for_change(session: AsyncSession, incident_id: UUID, expected_version: int | None) -> Incident:
    incident = await repository.get(session, incident_id, for_update=True)
    if incident is None:
        raise IncidentNotFound()
    if expected_version is not None and incident.version != expected_version:
        raise IncidentChanged({"current_version": incident.version})
    return incident


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


async def acknowledge(session: AsyncSession, incident_id: UUID, operator: Operator,
                      expected_version: int | None = None) -> Incident:
    incident = await _load_for_change(session, incident_id, expected_version)
    if incident.status != "open":
        raise InvalidTransition(f"incident is already {incident.status}")
    _mark_acknowledged(incident, operator)
    incident.status = "acknowledged"
    await record_change(session, incident, events.IncidentAcknowledged)
    return incident


def _mark_acknowledged(incident: Incident, operator: Operator) -> None:
    if incident.acknowledged_at is None:
        incident.acknowledged_at = datetime.now(UTC)
        incident.acknowledged_by = operator.subject
        metrics.TIME_TO_ACKNOWLEDGE.observe((incident.acknowledged_at - incident.opened_at).total_seconds())


async def assign(session: AsyncSession, incident_id: UUID, unit_id: str, operator: Operator,
                 expected_version: int | None = None) -> Incident:
    """Send a unit; an incident that has one already can only be reassigned by a supervisor."""
    incident = await _load_for_change(session, incident_id, expected_version)
    if incident.status in ("resolved", "cancelled"):
        raise InvalidTransition(f"incident is {incident.status}")
    if incident.unit_id is not None:
        if incident.unit_id == unit_id:
            raise AlreadyAssigned(f"unit {unit_id} is already assigned")
        if not operator.has_role("supervisor"):
            raise AlreadyAssigned()
        await units.release(session, incident.unit_id)
    await units.take(session, unit_id, incident.id)
    _mark_acknowledged(incident, operator)
    incident.unit_id = unit_id
    incident.status = "assigned"
    await record_change(session, incident, events.IncidentAssigned)
    return incident


async def change_status(session: AsyncSession, keyring: Keyring, incident_id: UUID, request: StatusRequest,
                        operator: Operator, expected_version: int | None = None) -> Incident:
    incident = await _load_for_change(session, incident_id, expected_version)
    if incident.status not in ALLOWED_FROM[request.status]:
        raise InvalidTransition(f"cannot go from {incident.status} to {request.status}")
    if request.status == "resolved":
        if not request.outcome:
            raise InvalidTransition("resolving needs an outcome")
        set_outcome(keyring, incident, request.outcome)
        incident.resolved_at = datetime.now(UTC)
        _mark_acknowledged(incident, operator)
        if incident.unit_id:
            await units.release(session, incident.unit_id)
    incident.status = request.status
    await record_change(session, incident, STATUS_EVENTS[request.status])
    return incident


async def reopen(session: AsyncSession, keyring: Keyring, incident_id: UUID, reason: str,
                 operator: Operator) -> Incident:
    """Supervisors only: a closed incident goes back to the queue."""
    incident = await _load_for_change(session, incident_id, None)
    if incident.status not in ("resolved", "cancelled"):
        raise InvalidTransition(f"incident is still {incident.status}")
    incident.status, incident.unit_id, incident.resolved_at = "open", None, None
    set_outcome(keyring, incident, None)
    session.add(new_note(keyring, incident.id, operator.subject, f"Reopened: {reason}"))
    await record_change(session, incident, events.IncidentReopened)
    return incident


async def add_note(session: AsyncSession, keyring: Keyring, incident_id: UUID, text: str,
                   operator: Operator) -> Note:
    incident = await _load_for_change(session, incident_id, None)
    note = new_note(keyring, incident.id, operator.subject, text)
    session.add(note)
    await record_change(session, incident, events.IncidentNoteAdded)
    await session.flush()  # its id
    return opened_note(keyring, note)


async def escalate_overdue(session: AsyncSession, escalate_after_s: int) -> int:
    """Bring incidents nobody acknowledged in time one step up the escalation ladder, raising their priority;
    an incident at the top stays there. Returns how many were escalated."""
    now = datetime.now(UTC)
    overdue = await repository.overdue_for_escalation(session, now - timedelta(seconds=escalate_after_s),
                                                      below_level=TOP_ESCALATION_LEVEL)
    for incident in overdue:
        incident.priority = min(5, incident.priority + 1)
        incident.escalation_level += 1
        incident.escalated_at = now
        metrics.ESCALATIONS.inc()
        await record_change(session, incident, events.IncidentEscalated)
    return len(overdue)



async def missed_changes(sessionmaker: async_sessionmaker[AsyncSession], last_event_id: str) -> list[dict] | None:
    """Live-stream notices for a client that last saw `last_event_id`: each incident changed since, once, as it
    is now, with its latest change's id and type; None when that event is no longer known (reload)."""
    async with sessionmaker() as session:
        position = await repository.outbox_position(session, last_event_id)
        if position is None:
            return None
        changed = await repository.changed_after(session, position)
    return [notice(event_id, event_type, stream_view(incident)) for event_id, event_type, incident in changed]
