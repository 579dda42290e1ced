"""Events of panic alarms, produced by alarm-gateway on `alarms.v1` (key: alarm id)."""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel

AlarmCategory = Literal["sexual_violence", "violence", "child_abuse", "medical", "fire", "crime", "other"]


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
    note: str | None = None
    raised_at: datetime
    # The device's push token at raise time, so the notifier can tell it how help is coming.
    push_token: str | None = None


class AlarmLocationUpdated(_AlarmEvent):
    ce_type: ClassVar[str] = "kentongan.alarm.location_updated"

    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime


class AlarmCancelled(_AlarmEvent):
    ce_type: ClassVar[str] = "kentongan.alarm.cancelled"

    reason: str
    cancelled_at: datetime
