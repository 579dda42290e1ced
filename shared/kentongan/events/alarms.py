"""Events of panic alarms, produced by alarm-gateway on `alarms.v1` (key: alarm id)."""

from datetime import datetime
from typing import ClassVar, Literal, get_args
from uuid import UUID

from kentongan.crypto import associated_data
from kentongan.events import topics
from kentongan.events.envelope import EventModel
from kentongan.events.sealed import SealedField

AlarmCategory = Literal["sexual_violence", "violence", "child_abuse", "medical", "fire", "crime", "other"]
# Alarms whose caller may be a victim of sexual or domestic violence or child abuse. Why such an alarm was called
# off is kept out of every record and event: it is the victim's own words, and a cancel may be coerced by the
# very person the alarm was about (operators see that it was cancelled, never a reason to stand down).
PRIVATE_CATEGORIES = frozenset({"sexual_violence", "violence", "child_abuse"})
AlarmSource = Literal["app", "sms"]
# What the app shows about an alarm, in the order an alarm goes through them (alarm-gateway's API).
AlarmStatus = Literal["received", "acknowledged", "unit_dispatched", "resolved", "cancelled"]
ALARM_STATUSES: tuple[AlarmStatus, ...] = get_args(AlarmStatus)
# An alarm in one of these is over: nothing more happens to it (its caller's contacts are not alerted, etc.).
CLOSED_ALARM_STATUSES: tuple[AlarmStatus, ...] = ("resolved", "cancelled")


def note_aad(alarm_id: UUID) -> bytes:
    """What an alarm's note is bound to where a service keeps it sealed at rest (alarm-gateway's alarms,
    dispatch's incident_alarms, each under its own keyring): the alarm."""
    return associated_data("alarm note", alarm_id)


def cancel_reason_aad(alarm_id: UUID) -> bytes:
    """What why an alarm was called off is bound to where a service keeps it sealed at rest: the alarm."""
    return associated_data("alarm cancel reason", alarm_id)


class _AlarmEvent(EventModel):
    topic: ClassVar[str] = topics.ALARMS
    key_field: ClassVar[str] = "alarm_id"

    alarm_id: UUID


class AlarmRaised(_AlarmEvent):
    ce_type: ClassVar[str] = "kentongan.alarm.raised"

    device_id: UUID
    category: AlarmCategory
    lat: float
    lon: float
    accuracy_m: float
    silent: bool
    # What the caller typed: victim free text, so sealed with the bus keyring (kentongan.bus_crypto).
    note: SealedField | None = None
    raised_at: datetime
    # The device's push token at raise time, so the notifier can tell it how help is coming.
    push_token: str | None = None
    # When the button was pressed by the device's clock (an alarm pressed offline arrives later), and whether it
    # reached the gateway more than a minute after that.
    pressed_at: datetime | None = None
    delayed: bool = False
    battery_pct: int | None = None
    # `sms`: raised by a text message from the device's verified phone; its place is then the device's last
    # known position, not a fix taken at the press (`location_last_known`).
    source: AlarmSource = "app"
    location_last_known: bool = False


class AlarmLocationUpdated(_AlarmEvent):
    ce_type: ClassVar[str] = "kentongan.alarm.location_updated"

    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime


class AlarmCancelled(_AlarmEvent):
    ce_type: ClassVar[str] = "kentongan.alarm.cancelled"

    # What the caller typed, sealed with the bus keyring (kentongan.bus_crypto); None for an alarm of a
    # PRIVATE_CATEGORIES category.
    reason: SealedField | None = None
    cancelled_at: datetime


class AlarmDuress(_AlarmEvent):
    """The alarm was "cancelled" under duress (the duress PIN), or five wrong PINs were tried to cancel it.

    The device was answered as if it were cancelled; the Command Center must treat it as the most urgent case.
    Nothing that reaches the device may reveal this event.
    """

    ce_type: ClassVar[str] = "kentongan.alarm.duress"

    trigger: Literal["duress_pin", "wrong_pins"]
    at: datetime
