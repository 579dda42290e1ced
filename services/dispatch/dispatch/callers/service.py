"""The callers of an incident, for the operators who call them back. Every read is audited."""

import json
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callers import repository
from dispatch.callers.schemas import Callback, CallbackCreate, Caller, IncidentCallers
from dispatch.incidents import repository as incidents
from dispatch.incidents.changes import record_change
from dispatch.incidents.errors import IncidentNotFound
from dispatch.incidents.sealing import new_note
from dispatch.models import CallbackAttempt, CallerRead, Incident
from kentongan.callers import CallerProfile, open_profile
from kentongan.crypto import Keyring, Sealed
from kentongan.db import get_for_update_or_404
from kentongan.events import incidents as events
from kentongan.paging import page_of, parse_cursor
from kentongan.security import ROLE_ORDER, Operator

OUTCOME_TEXT = {"reached": "tersambung / reached", "no_answer": "tidak diangkat / no answer",
                "busy": "sibuk / busy", "wrong_number": "nomor salah / wrong number"}


async def callers_of(session: AsyncSession, keyring: Keyring, incident_id: UUID, reader: Operator,
                     limit: int) -> IncidentCallers:
    """The incident's callers with their profiles and the call-backs so far; the read is written to the audit."""
    incident = await incidents.get(session, incident_id)
    if incident is None:
        raise IncidentNotFound()
    session.add(CallerRead(incident_id=incident_id, reader=reader.subject, role=_role(reader)))
    rows = await repository.callers_of(session, incident_id, limit)
    callers = [_caller(keyring, row.IncidentAlarm, row.key_id, row.sealed) for row in rows]
    callbacks = [_callback(keyring, attempt) for attempt in await repository.callbacks_of(session, incident_id)]
    total = len(callers) if len(callers) < limit else await repository.count_alarms(session, incident_id)
    return IncidentCallers(incident_id=incident_id, duress=incident.duress, callers=callers, total_callers=total,
                           callbacks=callbacks)


async def record_callback(session: AsyncSession, keyring: Keyring, notes: Keyring, incident_id: UUID,
                          request: CallbackCreate, operator: Operator) -> Callback:
    """A call-back attempt: stored (number and note sealed with the callers' `keyring`) and on the incident's
    timeline as a note (sealed with dispatch's own, `notes`)."""
    incident = await get_for_update_or_404(session, Incident, incident_id, IncidentNotFound())
    sealed = keyring.seal(json.dumps({"caller_phone": request.caller_phone, "note": request.note}).encode(),
                          incident_id.bytes)
    attempt = CallbackAttempt(incident_id=incident_id, operator=operator.subject, outcome=request.outcome,
                              key_id=sealed.key_id, sealed=sealed.blob)
    session.add(attempt)
    # The timeline says who called and how it went; the number stays on the caller card.
    session.add(new_note(notes, incident_id, operator.subject,
                         f"Panggilan balik / call-back: {OUTCOME_TEXT[request.outcome]}"))
    await record_change(session, incident, events.IncidentNoteAdded)
    return _callback(keyring, attempt)


def _caller(keyring: Keyring, alarm, key_id: str | None, sealed: bytes | None) -> Caller:
    profile = open_profile(keyring, alarm.device_id, key_id, sealed) if key_id and sealed else None
    return Caller(
        alarm_id=alarm.alarm_id, device_id=alarm.device_id, pressed_at=alarm.pressed_at, raised_at=alarm.raised_at,
        delayed=alarm.delayed, battery_pct=alarm.battery_pct, source=alarm.source,
        location_last_known=alarm.location_last_known, cancelled=alarm.cancelled_at is not None,
        **_profile_fields(profile))


def _profile_fields(profile: CallerProfile | None) -> dict:
    if profile is None:
        return {"name": None, "phone": None, "phone_verified": False, "language": None, "emergency_contacts": [],
                "medical_notes": None}
    return profile.model_dump()


def _callback(keyring: Keyring, attempt: CallbackAttempt) -> Callback:
    opened = json.loads(keyring.open(Sealed(attempt.key_id, attempt.sealed), attempt.incident_id.bytes))
    return Callback(id=attempt.id, operator=attempt.operator, outcome=attempt.outcome,
                    created_at=attempt.created_at, **opened)


def _role(operator: Operator) -> str:
    return next((role for role in reversed(ROLE_ORDER) if role in operator.roles), "operator")


async def read_page(session: AsyncSession, incident_id: UUID | None, limit: int, after: str | None) -> dict[str, Any]:
    """A page of who read callers' details, newest first (the body of a Page[CallerReadView])."""
    rows = await repository.reads(session, incident_id, limit, parse_cursor(after, int) if after else None)
    return page_of(rows, limit, lambda read: (read.id,))
