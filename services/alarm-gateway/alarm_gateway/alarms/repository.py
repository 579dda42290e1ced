"""Every query on alarms."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Uuid, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import Alarm, Device
from kentongan.db import any_param, insert_rows, row_arrays, unnest_rows
from kentongan.events.alarms import CLOSED_ALARM_STATUSES
from kentongan.paging import keyset

CLOSED = CLOSED_ALARM_STATUSES


# The statements every batch of new alarms runs, built once: building and keying a statement per batch cost
# more CPU than running it.
_ALARMS = Alarm.__table__
_LOCK_DEVICES = (select(Device.id, Device.push_token, Device.blocked_at)
                 .where(Device.id == any_param("device_ids", Uuid))
                 .order_by(Device.id).with_for_update())
_SAME_OR_RECENT = select(_ALARMS).where(or_(
    _ALARMS.c.id == any_param("alarm_ids", Uuid),
    (_ALARMS.c.device_id == any_param("device_ids", Uuid))
    & (_ALARMS.c.created_at >= bindparam("since")) & _ALARMS.c.status.not_in(CLOSED),
))
_PRESSED_AGAIN = (update(_ALARMS).where(_ALARMS.c.id == bindparam("alarm_id"))
                  .values(press_count=bindparam("press_count"), updated_at=bindparam("updated_at")))


async def lock_devices(session: AsyncSession, device_ids: set[UUID]) -> dict[UUID, Row]:
    """Serialise each device's concurrent presses for the rest of the transaction (rows locked in id order, so
    two batches cannot deadlock); returns each device's push token and whether it is blocked."""
    rows = await session.execute(_LOCK_DEVICES, {"device_ids": list(device_ids)})
    return {row.id: row for row in rows}


@dataclass
class AlarmRow:
    """An alarm as the batch sees it: a plain object with the table's columns (an ORM object per alarm cost more
    than the statements), read from the table or raised in this batch and not stored yet."""

    id: UUID
    device_id: UUID
    category: str
    lat: float
    lon: float
    accuracy_m: float
    silent: bool
    note_key_id: str | None
    note_sealed: bytes | None
    status: str
    press_count: int
    timeline: list[dict]
    created_at: datetime
    updated_at: datetime
    incident_id: UUID | None = None
    cancel_reason_key_id: str | None = None
    cancel_reason_sealed: bytes | None = None
    pressed_at: datetime | None = None
    battery_pct: int | None = None
    delayed: bool = False
    source: str = "app"
    wrong_pins: int = 0
    duress_at: datetime | None = None


_ALARM_COLUMNS = tuple(field.name for field in fields(AlarmRow))


async def find_same_or_recent(session: AsyncSession, alarm_ids: list[UUID], device_ids: list[UUID],
                              since: datetime) -> list[AlarmRow]:
    """The alarms with these ids, and the devices' open alarms raised since `since`."""
    rows = await session.execute(_SAME_OR_RECENT, {"alarm_ids": alarm_ids, "device_ids": device_ids, "since": since})
    return [AlarmRow(**row._mapping) for row in rows]


async def insert_alarms(session: AsyncSession, alarms: list[AlarmRow]) -> None:
    """Insert new alarms with one statement."""
    # vars(), not dataclasses.astuple(): astuple deep-copies every value (UUIDs, the timeline) of every alarm;
    # the statement only reads them.
    await insert_rows(session, _ALARMS, _ALARM_COLUMNS, [tuple(vars(alarm).values()) for alarm in alarms])


async def save_presses(session: AsyncSession, alarms: list[AlarmRow]) -> None:
    """Store the press counts of alarms pressed again."""
    if alarms:
        await session.execute(_PRESSED_AGAIN, [{"alarm_id": alarm.id, "press_count": alarm.press_count,
                                                "updated_at": alarm.updated_at} for alarm in alarms])


async def get_for_device(session: AsyncSession, alarm_id: UUID, device_id: UUID,
                         for_update: bool = False) -> Alarm | None:
    query = select(Alarm).where(Alarm.id == alarm_id, Alarm.device_id == device_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def list_for_device(session: AsyncSession, device_id: UUID, limit: int,
                          after: tuple[Any, ...] | None) -> list[Alarm]:
    """Up to limit + 1 of the device's alarms, newest first (created_at, id), after the position `after`."""
    query = select(Alarm).where(Alarm.device_id == device_id)
    return list(await session.scalars(keyset(query, (Alarm.created_at, Alarm.id), after, limit, descending=True)))


@dataclass
class Progress:
    """The part of an alarm that incident events change (plain columns: no ORM object per alarm, since this
    runs for every incident event)."""

    id: UUID
    status: str
    incident_id: UUID | None
    timeline: list[dict]


_LOCK_PROGRESS = (select(Alarm.id, Alarm.status, Alarm.incident_id, Alarm.timeline)
                  .where(or_(Alarm.id == any_param("alarm_ids", Uuid),
                             Alarm.incident_id == any_param("incident_ids", Uuid)))
                  .order_by(Alarm.id).with_for_update())


async def lock_progress(session: AsyncSession, alarm_ids: set[UUID],
                        incident_ids: set[UUID]) -> dict[UUID, Progress]:
    """The progress of these alarms and of every alarm placed in these incidents, their rows locked in id order
    for the rest of the transaction."""
    rows = await session.execute(_LOCK_PROGRESS, {"alarm_ids": list(alarm_ids), "incident_ids": list(incident_ids)})
    return {row.id: Progress(row.id, row.status, row.incident_id, row.timeline) for row in rows}


# Rows as one array per column: one execution for a poll's changes, not one per alarm.
_PROGRESS_COLUMNS = ("id", "status", "incident_id", "timeline")
_CHANGED = unnest_rows(_ALARMS, _PROGRESS_COLUMNS)
_SAVE_PROGRESS = (update(_ALARMS).where(_ALARMS.c.id == _CHANGED.c.id)
                  .values(status=_CHANGED.c.status, incident_id=_CHANGED.c.incident_id,
                          timeline=_CHANGED.c.timeline, updated_at=func.now()))


async def save_progress(session: AsyncSession, progress: list[Progress]) -> None:
    """Write changed progress back with one statement."""
    if progress:
        await session.execute(_SAVE_PROGRESS, row_arrays(_ALARMS, _PROGRESS_COLUMNS, [
            (p.id, p.status, p.incident_id, p.timeline) for p in progress]))
