"""What operators do with incidents. Each action locks the incident row, checks the transition, and records
the change, so two operators acting at once get one success and one 409."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch import metrics
from dispatch.incidents import repository
from dispatch.incidents.changes import record_change
from dispatch.incidents.errors import AlreadyAssigned, IncidentChanged, IncidentNotFound, InvalidTransition
from dispatch.incidents.priority import TOP_ESCALATION_LEVEL
from dispatch.incidents.schemas import Note, StatusRequest
from dispatch.incidents.sealing import new_note, opened_note, set_outcome
from dispatch.models import Incident
from dispatch.units import service as units
from kentongan.crypto import Keyring
from kentongan.db import get_for_update_or_404
from kentongan.events import incidents as events
from kentongan.events.incidents import STATUS_TRANSITIONS
from kentongan.security import Operator

STATUS_EVENTS = {"en_route": events.IncidentStatusChanged, "on_scene": events.IncidentStatusChanged,
                 "resolved": events.IncidentResolved}


async def _load_for_change(session: AsyncSession, incident_id: UUID, expected_version: int | None) -> Incident:
    incident = await get_for_update_or_404(session, Incident, incident_id, IncidentNotFound())
    if expected_version is not None and incident.version != expected_version:
        raise IncidentChanged({"current_version": incident.version})
    return incident


async def acknowledge(session: AsyncSession, incident_id: UUID, operator: Operator,
                      expected_version: int | None = None) -> Incident:
    incident = await _load_for_change(session, incident_id, expected_version)
    if incident.status not in STATUS_TRANSITIONS["acknowledged"]:
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
    if incident.status not in STATUS_TRANSITIONS["assigned"]:
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
    if incident.status not in STATUS_TRANSITIONS[request.status]:
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
    if incident.status not in STATUS_TRANSITIONS["open"]:
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
