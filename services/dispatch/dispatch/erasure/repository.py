"""Every query of an erasure: what dispatch holds about an erased device or report."""

from uuid import UUID

from sqlalchemy import Float, Numeric, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.models import (
    CallbackAttempt,
    CallerProfile,
    Incident,
    IncidentAlarm,
    IncidentLocation,
    IncidentReport,
)
from kentongan.events.incidents import CLOSED_STATUSES
from kentongan.retention import ERASED_DEVICE


async def pop_profile(session: AsyncSession, device_id: UUID) -> tuple[str, bytes] | None:
    """Delete the device's caller profile; its key id and sealed blob, if there was one."""
    row = (await session.execute(delete(CallerProfile).where(CallerProfile.device_id == device_id)
                                 .returning(CallerProfile.key_id, CallerProfile.sealed))).first()
    return (row[0], row[1]) if row else None


async def incidents_of_device(session: AsyncSession, device_id: UUID) -> list[UUID]:
    return list(await session.scalars(select(IncidentAlarm.incident_id).where(IncidentAlarm.device_id == device_id)
                                      .distinct()))


async def callbacks_of(session: AsyncSession, incident_ids: list[UUID]) -> list[CallbackAttempt]:
    return list(await session.scalars(select(CallbackAttempt).where(CallbackAttempt.incident_id.in_(incident_ids))))


async def delete_callbacks(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await session.execute(delete(CallbackAttempt).where(CallbackAttempt.id.in_(ids)))


async def forget_device_alarms(session: AsyncSession, device_id: UUID) -> None:
    """The device's trail goes where its incident is closed (an open one still needs it to find the caller);
    its alarms stay for statistics under nobody's device, without the caller's words."""
    closed_alarms = (select(IncidentAlarm.alarm_id).join(Incident, Incident.id == IncidentAlarm.incident_id)
                     .where(IncidentAlarm.device_id == device_id, Incident.status.in_(CLOSED_STATUSES)))
    await session.execute(delete(IncidentLocation).where(IncidentLocation.alarm_id.in_(closed_alarms)))
    await session.execute(update(IncidentAlarm).where(IncidentAlarm.device_id == device_id).values(
        device_id=ERASED_DEVICE, note_key_id=None, note_sealed=None, cancel_reason_key_id=None,
        cancel_reason_sealed=None))


async def forget_report(session: AsyncSession, report_id: UUID) -> None:
    """Incidents the report opened or joined lose the keyed hash of where it was sent from; a closed one keeps
    its place to about a kilometre (where emergencies happen, not whose door), like the retention rule."""
    linked = or_(Incident.report_id == report_id,
                 Incident.id.in_(select(IncidentReport.incident_id).where(IncidentReport.report_id == report_id)))
    await session.execute(update(Incident).where(linked).values(source_fingerprint=None))
    await session.execute(update(Incident).where(linked, Incident.status.in_(CLOSED_STATUSES)).values(
        lat=cast(func.round(cast(Incident.lat, Numeric), 2), Float),
        lon=cast(func.round(cast(Incident.lon, Numeric), 2), Float)))
