"""Every query on alarms."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import Alarm, Device

CLOSED = ("resolved", "cancelled")


async def lock_device(session: AsyncSession, device_id: UUID) -> str | None:
    """Serialise one device's concurrent presses for the rest of the transaction; returns its push token
    (fetched in the same round trip: the notifier tells the caller through it)."""
    lock = func.pg_advisory_xact_lock(func.hashtextextended(str(device_id), 0))
    row = (await session.execute(select(lock, Device.push_token).where(Device.id == device_id))).first()
    return row.push_token if row else None


async def find_same_or_recent(session: AsyncSession, alarm_id: UUID, device_id: UUID,
                              since: datetime) -> Alarm | None:
    """The alarm with this id, else the device's open alarm raised since `since`."""
    return await session.scalar(
        select(Alarm).where(or_(
            Alarm.id == alarm_id,
            (Alarm.device_id == device_id) & (Alarm.created_at >= since) & Alarm.status.not_in(CLOSED),
        )).order_by((Alarm.id == alarm_id).desc(), Alarm.created_at.desc()).limit(1)
    )


async def get_for_device(session: AsyncSession, alarm_id: UUID, device_id: UUID,
                         for_update: bool = False) -> Alarm | None:
    query = select(Alarm).where(Alarm.id == alarm_id, Alarm.device_id == device_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def list_for_device(session: AsyncSession, device_id: UUID, limit: int) -> list[Alarm]:
    result = await session.scalars(
        select(Alarm).where(Alarm.device_id == device_id).order_by(Alarm.created_at.desc()).limit(limit))
    return list(result)


async def set_status_for_incident(session: AsyncSession, alarm_ids: list[UUID], incident_id: UUID,
                                  status: str | None, at: datetime) -> None:
    """Record the incident and (if given) the new status on open alarms, appending to their timeline."""
    values: dict = {"incident_id": incident_id}
    targets = Alarm.id.in_(alarm_ids) & (Alarm.status != "cancelled")
    if status is not None:
        changed = Alarm.status != status
        entry = func.jsonb_build_array(func.jsonb_build_object("status", status, "at", at.isoformat()))
        values["timeline"] = func.coalesce(Alarm.timeline, text("'[]'::jsonb")).op("||")(entry)
        await session.execute(update(Alarm).where(targets & changed).values(status=status, **values))
    await session.execute(update(Alarm).where(targets).values(incident_id=incident_id))
