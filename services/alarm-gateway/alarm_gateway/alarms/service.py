"""The rules of panic alarms: raise once, follow the caller, cancel, and report progress."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms import repository
from alarm_gateway.alarms.errors import AlarmClosed, AlarmIdTaken, AlarmNotFound, DeviceBlocked
from alarm_gateway.alarms.repository import AlarmRow
from alarm_gateway.alarms.schemas import Alarm as AlarmView
from alarm_gateway.alarms.schemas import AlarmCreate, CancelRequest, LocationUpdate
from alarm_gateway.models import Alarm, Device, awaiting, outbox
from alarm_gateway.pins import service as pins
from alarm_gateway.pins.errors import PinRequired, WrongPin
from alarm_gateway.settings import Settings
from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring, open_text, seal_text
from kentongan.errors import ServiceError, Unauthorized
from kentongan.events import EventModel
from kentongan.events.alarms import (
    PRIVATE_CATEGORIES,
    AlarmCancelled,
    AlarmDuress,
    AlarmLocationUpdated,
    AlarmRaised,
    cancel_reason_aad,
    note_aad,
)
from kentongan.outbox import add_event, add_events
from kentongan.paging import page_of, parse_cursor
from kentongan.placement import confirm_placed

# This many wrong PINs on one alarm tell the Command Center that someone is trying to call it off.
WRONG_PINS_ESCALATE = 5


def timeline_entry(status: str, at: datetime) -> dict:
    return {"status": status, "at": at.isoformat()}


@dataclass(frozen=True)
class AlarmRequest:
    """One press of the panic button, as the gateway received it."""

    device_id: UUID
    data: AlarmCreate
    source: str = "app"
    # An SMS panic has no fix of its own: its place is the device's last known position.
    location_last_known: bool = False


async def raise_alarms(session: AsyncSession, requests: list[AlarmRequest], settings: Settings,
                       keyring: Keyring, bus: BusKeyring) -> list[AlarmRow | ServiceError]:
    """Store new alarms with their events (the outbox) in the caller's transaction, one result per request:
    a retried POST gets its alarm back, a repeated press joins the device's recent alarm (within the window),
    an id already used by another device is refused, and so is a press from a device the Command Center
    blocked. Called by the group commit with whatever arrived together."""
    now = datetime.now(UTC)
    devices = await repository.lock_devices(session, {request.device_id for request in requests})
    since = now - timedelta(seconds=settings.merge_window_s)
    known = await repository.find_same_or_recent(session, [request.data.id for request in requests],
                                                 list(devices), since)
    by_id = {alarm.id: alarm for alarm in known}
    stored = set(by_id)
    recent = {alarm.device_id: alarm for alarm in sorted(known, key=lambda a: a.created_at)
              if alarm.created_at >= since and alarm.status not in repository.CLOSED}
    results: list[AlarmRow | ServiceError] = []
    raised: list[AlarmRow] = []
    pressed_again: dict[UUID, AlarmRow] = {}
    notes: dict[UUID, str | None] = {}  # the new alarms' notes, for their events
    for request in requests:
        device = devices.get(request.device_id)
        if device is None:  # a valid token for a device this database does not know
            results.append(Unauthorized("unknown device; register again"))
            continue
        alarm = by_id.get(request.data.id)
        if alarm is not None:  # a retried POST (or another device's id)
            results.append(alarm if alarm.device_id == request.device_id else AlarmIdTaken())
            continue
        if device.blocked_at is not None:
            results.append(DeviceBlocked())
            continue
        alarm = recent.get(request.device_id)
        if alarm is not None:  # pressed again: the same emergency, not a second one
            alarm.press_count += 1
            alarm.updated_at = now
            if alarm.id in stored:
                pressed_again[alarm.id] = alarm
        else:
            alarm = _new_alarm(request, now, timedelta(seconds=settings.delayed_after_s), keyring)
            raised.append(alarm)
            notes[alarm.id] = request.data.note
            by_id[alarm.id] = recent[alarm.device_id] = alarm
        results.append(alarm)
    await repository.insert_alarms(session, raised)
    last_known = {request.data.id for request in requests if request.location_last_known}
    # The outbox row goes once published, and a broker can lose what it acknowledged: a copy stays in
    # `awaiting` until an incident takes the alarm (kentongan.placement), staged by the same statement.
    events: list[EventModel] = [
        _raised_event(alarm, devices[alarm.device_id].push_token, alarm.id in last_known, notes[alarm.id], bus)
        for alarm in raised]
    await add_events(session, outbox, events, keep_in=awaiting)
    await repository.save_presses(session, list(pressed_again.values()))
    return results


def _new_alarm(request: AlarmRequest, now: datetime, delayed_after: timedelta, keyring: Keyring) -> AlarmRow:
    data = request.data
    delayed = data.pressed_at is not None and now - data.pressed_at > delayed_after
    # The caller's note is victim free text: it is written sealed, never in clear (WAL and backups keep rows).
    note_key_id, note_sealed = seal_text(keyring, data.note, note_aad(data.id))
    return AlarmRow(id=data.id, device_id=request.device_id, category=data.category, lat=data.lat, lon=data.lon,
                    accuracy_m=data.accuracy_m, silent=data.silent, note_key_id=note_key_id,
                    note_sealed=note_sealed, status="received", press_count=1,
                    timeline=[timeline_entry("received", now)], created_at=now, updated_at=now,
                    pressed_at=data.pressed_at, battery_pct=data.battery_pct, delayed=delayed,
                    source=request.source)


def _raised_event(alarm: AlarmRow, push_token: str | None, location_last_known: bool, note: str | None,
                  bus: BusKeyring) -> AlarmRaised:
    # The push token travels with the alarm: the notifier tells the caller through it. The note crosses the
    # broker sealed for dispatch.
    sealed_note = None if note is None else bus.seal(AlarmRaised, alarm.id, "note", note)
    return AlarmRaised(alarm_id=alarm.id, device_id=alarm.device_id, category=alarm.category, lat=alarm.lat,
                       lon=alarm.lon, accuracy_m=alarm.accuracy_m, silent=alarm.silent, note=sealed_note,
                       raised_at=alarm.created_at, push_token=push_token, pressed_at=alarm.pressed_at,
                       delayed=alarm.delayed, battery_pct=alarm.battery_pct, source=alarm.source,
                       location_last_known=location_last_known)


def view(alarm: Alarm | AlarmRow, keyring: Keyring) -> AlarmView:
    """The alarm as its own device sees it, its note opened."""
    note = open_text(keyring, alarm.note_key_id, alarm.note_sealed, note_aad(alarm.id))
    reason = open_text(keyring, alarm.cancel_reason_key_id, alarm.cancel_reason_sealed, cancel_reason_aad(alarm.id))
    return AlarmView.model_validate(alarm).model_copy(update={"note": note, "cancel_reason": reason})


async def get_alarm(session: AsyncSession, device_id: UUID, alarm_id: UUID, for_update: bool = False) -> Alarm:
    """The device's own alarm; another device's alarm is indistinguishable from a missing one."""
    alarm = await repository.get_for_device(session, alarm_id, device_id, for_update)
    if alarm is None:
        raise AlarmNotFound()
    return alarm


async def list_alarms(session: AsyncSession, device_id: UUID, limit: int,
                      after: str | None) -> tuple[list[Alarm], str | None]:
    """A page of the device's alarms, newest first, and the cursor of the next page (None: no more)."""
    rows = await repository.list_for_device(session, device_id, limit,
                                            parse_cursor(after, datetime, UUID) if after else None)
    page = page_of(rows, limit, lambda alarm: (alarm.created_at, alarm.id))
    return page["items"], page["next"]


async def update_location(session: AsyncSession, device_id: UUID, alarm_id: UUID, data: LocationUpdate) -> Alarm:
    """Follow the caller while the alarm is open."""
    alarm = await get_alarm(session, device_id, alarm_id, for_update=True)
    if alarm.status in repository.CLOSED:
        raise AlarmClosed()
    recorded_at = data.recorded_at or datetime.now(UTC)
    alarm.lat, alarm.lon, alarm.accuracy_m = data.lat, data.lon, data.accuracy_m
    await add_event(session, outbox, AlarmLocationUpdated(
        alarm_id=alarm.id, lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m, recorded_at=recorded_at,
    ))
    await session.flush()
    return alarm


async def cancel_alarm(session: AsyncSession, keyring: Keyring, bus: BusKeyring, device_id: UUID, alarm_id: UUID,
                       data: CancelRequest) -> Alarm | WrongPin:
    """The caller calls it off; cancelling twice is harmless, cancelling a resolved alarm is a conflict.

    Once the device has PINs, the cancel needs one. The duress PIN is answered exactly as the cancel PIN (same
    row changes, same response, same work): only the event differs, a duress signal instead of a cancel, so the
    alarm goes on everywhere but on the phone. A wrong PIN is returned (not raised: its count must commit)."""
    alarm = await get_alarm(session, device_id, alarm_id, for_update=True)
    device = await session.get(Device, device_id)
    verdict: pins.Verdict = "cancel"
    if device is not None and pins.has_pins(device):
        if data.pin is None:
            raise PinRequired()
        found = await pins.verdict(device, data.pin)
        if found is None:
            return await _wrong_pin(session, alarm)
        verdict = found
    if alarm.status == "cancelled":
        return alarm
    if alarm.status == "resolved":
        raise AlarmClosed()
    now = datetime.now(UTC)
    reason = None if alarm.category in PRIVATE_CATEGORIES else data.reason  # a victim's words stay with them
    alarm.status = "cancelled"
    alarm.cancel_reason_key_id, alarm.cancel_reason_sealed = seal_text(keyring, reason, cancel_reason_aad(alarm.id))
    alarm.timeline = [*alarm.timeline, timeline_entry("cancelled", now)]
    if verdict == "duress":
        # Still going everywhere but on the phone: its copy keeps waiting for an incident to take it.
        alarm.duress_at = now
        await add_event(session, outbox, AlarmDuress(alarm_id=alarm.id, trigger="duress_pin", at=now))
    else:
        sealed = None if reason is None else bus.seal(AlarmCancelled, alarm.id, "reason", reason)
        await add_event(session, outbox, AlarmCancelled(alarm_id=alarm.id, reason=sealed, cancelled_at=now))
        await confirm_placed(session, awaiting, {str(alarm.id)})  # called off: no incident needs it any more
    await session.flush()
    return alarm


async def _wrong_pin(session: AsyncSession, alarm: Alarm) -> WrongPin:
    """Count it; the fifth on an alarm still going tells the Command Center (the alarm stays active)."""
    alarm.wrong_pins += 1
    if alarm.wrong_pins == WRONG_PINS_ESCALATE and alarm.status not in repository.CLOSED:
        await add_event(session, outbox, AlarmDuress(alarm_id=alarm.id, trigger="wrong_pins",
                                                     at=datetime.now(UTC)))
    await session.flush()
    return WrongPin()
