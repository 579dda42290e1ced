"""The rules of panic alarms: raise once, follow the caller, cancel, and report progress."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms import repository
from alarm_gateway.alarms.errors import AlarmClosed, AlarmIdTaken, AlarmNotFound
from alarm_gateway.alarms.schemas import AlarmCreate, CancelRequest, LocationUpdate
from alarm_gateway.models import Alarm, outbox
from alarm_gateway.settings import Settings
from kentongan.events.alarms import AlarmCancelled, AlarmLocationUpdated, AlarmRaised
from kentongan.outbox import add_event

SOURCE = "/services/alarm-gateway"


def _timeline_entry(status: str, at: datetime) -> dict:
    return {"status": status, "at": at.isoformat()}


async def raise_alarm(session: AsyncSession, device_id: UUID, data: AlarmCreate, settings: Settings) -> Alarm:
    """Store the alarm and its event in one transaction; a retry or a repeated press returns the same alarm."""
    now = datetime.now(UTC)
    push_token = await repository.lock_device(session, device_id)
    since = now - timedelta(seconds=settings.merge_window_s)
    existing = await repository.find_same_or_recent(session, data.id, device_id, since)
    if existing is not None and existing.id == data.id:
        if existing.device_id != device_id:
            raise AlarmIdTaken()
        return existing  # a retried POST
    if existing is not None:
        existing.press_count += 1  # pressed again: the same emergency, not a second one
        await session.flush()
        return existing
    alarm = Alarm(id=data.id, device_id=device_id, category=data.category, lat=data.lat, lon=data.lon,
                  accuracy_m=data.accuracy_m, silent=data.silent, note=data.note, status="received",
                  press_count=1, timeline=[_timeline_entry("received", now)], created_at=now, updated_at=now)
    session.add(alarm)
    await add_event(session, outbox, AlarmRaised(
        alarm_id=alarm.id, device_id=device_id, category=data.category, lat=data.lat, lon=data.lon,
        accuracy_m=data.accuracy_m, silent=data.silent, note=data.note, raised_at=now,
        push_token=push_token,
    ), SOURCE)
    await session.flush()
    return alarm


async def get_alarm(session: AsyncSession, device_id: UUID, alarm_id: UUID, for_update: bool = False) -> Alarm:
    """The device's own alarm; another device's alarm is indistinguishable from a missing one."""
    alarm = await repository.get_for_device(session, alarm_id, device_id, for_update)
    if alarm is None:
        raise AlarmNotFound()
    return alarm


async def list_alarms(session: AsyncSession, device_id: UUID, limit: int) -> list[Alarm]:
    return await repository.list_for_device(session, device_id, limit)


async def update_location(session: AsyncSession, device_id: UUID, alarm_id: UUID, data: LocationUpdate) -> Alarm:
    """Follow the caller while the alarm is open."""
    alarm = await get_alarm(session, device_id, alarm_id, for_update=True)
    if alarm.status in repository.CLOSED:
        raise AlarmClosed()
    recorded_at = data.recorded_at or datetime.now(UTC)
    alarm.lat, alarm.lon, alarm.accuracy_m = data.lat, data.lon, data.accuracy_m
    await add_event(session, outbox, AlarmLocationUpdated(
        alarm_id=alarm.id, lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m, recorded_at=recorded_at,
    ), SOURCE)
    await session.flush()
    return alarm


async def cancel_alarm(session: AsyncSession, device_id: UUID, alarm_id: UUID, data: CancelRequest) -> Alarm:
    """The caller calls it off; cancelling twice is harmless, cancelling a resolved alarm is a conflict."""
    alarm = await get_alarm(session, device_id, alarm_id, for_update=True)
    if alarm.status == "cancelled":
        return alarm
    if alarm.status == "resolved":
        raise AlarmClosed()
    now = datetime.now(UTC)
    alarm.status = "cancelled"
    alarm.cancel_reason = data.reason
    alarm.timeline = [*alarm.timeline, _timeline_entry("cancelled", now)]
    await add_event(session, outbox, AlarmCancelled(alarm_id=alarm.id, reason=data.reason, cancelled_at=now),
                    SOURCE)
    await session.flush()
    return alarm
