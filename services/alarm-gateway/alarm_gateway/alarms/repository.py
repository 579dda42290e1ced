"""Every query on alarms."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, Uuid, insert, or_, select
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


async def insert_alarms(session: AsyncSession, alarms: list[Alarm]) -> None:
    """Insert new alarms with one statement (a bulk insert: the objects stay out of the session's unit of
    work, which would cost more than the insert itself)."""
    if alarms:
        columns = [column.key for column in Alarm.__table__.columns]
        rows = [{key: getattr(alarm, key) for key in columns} for alarm in alarms]
        await session.execute(insert(Alarm), rows)


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


async def lock_alarms(session: AsyncSession, alarm_ids: set[UUID]) -> dict[UUID, Alarm]:
    """These alarms, locked in id order for the rest of the transaction."""
    rows = await session.scalars(select(Alarm).where(Alarm.id == any_of(alarm_ids, Uuid()))
                                 .order_by(Alarm.id).with_for_update())
    return {alarm.id: alarm for alarm in rows}
