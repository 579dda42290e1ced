"""Every query on alarms."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, Uuid, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import Alarm, Device
from kentongan.db import any_of

CLOSED = ("resolved", "cancelled")


async def lock_devices(session: AsyncSession, device_ids: set[UUID]) -> dict[UUID, Row]:
    """Serialise each device's concurrent presses for the rest of the transaction (rows locked in id order, so
    two batches cannot deadlock); returns each device's push token and whether it is blocked."""
    rows = await session.execute(select(Device.id, Device.push_token, Device.blocked_at)
                                 .where(Device.id == any_of(device_ids, Uuid()))
                                 .order_by(Device.id).with_for_update())
    return {row.id: row for row in rows}


async def find_same_or_recent(session: AsyncSession, alarm_ids: list[UUID], device_ids: list[UUID],
                              since: datetime) -> list[Alarm]:
    """The alarms with these ids, and the devices' open alarms raised since `since`."""
    result = await session.scalars(select(Alarm).where(or_(
        Alarm.id == any_of(alarm_ids, Uuid()),
        (Alarm.device_id == any_of(device_ids, Uuid())) & (Alarm.created_at >= since)
        & Alarm.status.not_in(CLOSED),
    )))
    return list(result)


@dataclass
class NewAlarm:
    """An alarm raised in this batch, not stored yet: a plain object with the table's columns (building an ORM
    object for each new alarm cost more than inserting it)."""

    id: UUID
    device_id: UUID
    category: str
    lat: float
    lon: float
    accuracy_m: float
    silent: bool
    note: str | None
    status: str
    press_count: int
    timeline: list[dict]
    created_at: datetime
    updated_at: datetime
    incident_id: UUID | None = None
    cancel_reason: str | None = None


async def insert_alarms(session: AsyncSession, alarms: list[NewAlarm]) -> None:
    """Insert new alarms with one statement."""
    if alarms:
        # vars(), not dataclasses.asdict(): asdict deep-copies every value (UUIDs, the timeline) of every alarm,
        # which was ~3% of the gateway's CPU; the statement only reads them.
        await session.execute(insert(Alarm.__table__), [vars(alarm) for alarm in alarms])


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


@dataclass
class Progress:
    """The part of an alarm that incident events change (plain columns: no ORM object per alarm, since this
    runs for every incident event)."""

    id: UUID
    status: str
    incident_id: UUID | None
    timeline: list[dict]


async def lock_progress(session: AsyncSession, alarm_ids: set[UUID]) -> dict[UUID, Progress]:
    """These alarms' progress, their rows locked in id order for the rest of the transaction."""
    rows = await session.execute(select(Alarm.id, Alarm.status, Alarm.incident_id, Alarm.timeline)
                                 .where(Alarm.id == any_of(alarm_ids, Uuid()))
                                 .order_by(Alarm.id).with_for_update())
    return {row.id: Progress(row.id, row.status, row.incident_id, row.timeline) for row in rows}


_SAVE_PROGRESS = (update(Alarm.__table__).where(Alarm.__table__.c.id == bindparam("alarm_id"))
                  .values(status=bindparam("status"), incident_id=bindparam("incident_id"),
                          timeline=bindparam("timeline", type_=JSONB), updated_at=func.now()))


async def save_progress(session: AsyncSession, progress: list[Progress]) -> None:
    """Write changed progress back with one statement."""
    if progress:
        await session.execute(_SAVE_PROGRESS, [{"alarm_id": p.id, "status": p.status, "incident_id": p.incident_id,
                                                "timeline": p.timeline} for p in progress])
