from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from kentongan.events.alarms import AlarmCategory, AlarmSource, AlarmStatus
from kentongan.paging import Page
from kentongan.text import Text

# A device clock may run this far ahead; a press older than MAX_PRESS_AGE is not an emergency to dispatch.
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_PRESS_AGE = timedelta(hours=24)

Latitude = Field(ge=-90, le=90, description="WGS84 latitude in degrees")
Longitude = Field(ge=-180, le=180, description="WGS84 longitude in degrees")
Accuracy = Field(ge=0, le=100_000, description="Horizontal accuracy radius in metres")


class AlarmCreate(BaseModel):
    id: UUID = Field(description="Client-generated id; retrying with the same id returns the same alarm")
    lat: float = Latitude
    lon: float = Longitude
    accuracy_m: float = Accuracy
    category: AlarmCategory
    silent: bool = False
    note: Annotated[str, Text(500)] | None = None
    pressed_at: AwareDatetime | None = Field(
        None, description="When the button was pressed, by the device's clock (an alarm pressed offline and sent "
                          "later keeps it); with a time zone, at most 5 minutes ahead and 24 hours old")
    battery_pct: int | None = Field(None, ge=0, le=100, description="The device's battery level")

    @field_validator("pressed_at")
    @classmethod
    def _recent_press(cls, value: datetime | None) -> datetime | None:
        if value is not None:
            now = datetime.now(UTC)
            if value > now + MAX_CLOCK_SKEW:
                raise ValueError("is in the future (check the device clock)")
            if value < now - MAX_PRESS_AGE:
                raise ValueError("is more than 24 hours old")
        return value


class LocationUpdate(BaseModel):
    lat: float = Latitude
    lon: float = Longitude
    accuracy_m: float = Accuracy
    recorded_at: datetime | None = None


class CancelRequest(BaseModel):
    reason: Annotated[str, Text(500)]
    pin: str | None = Field(None, max_length=8, description="The cancel PIN, required once PINs are set")


class TimelineEntry(BaseModel):
    status: AlarmStatus
    at: datetime


class Alarm(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    status: AlarmStatus
    category: AlarmCategory
    lat: float
    lon: float
    accuracy_m: float
    silent: bool
    note: str | None = None  # kept sealed; opened for the device's own view (alarms.service.view)
    incident_id: UUID | None
    press_count: int
    cancel_reason: str | None = None  # kept sealed; opened like the note
    pressed_at: datetime | None
    battery_pct: int | None
    delayed: bool
    source: AlarmSource
    timeline: list[TimelineEntry]
    created_at: datetime
    updated_at: datetime


class AlarmPage(Page[Alarm]):
    pass
