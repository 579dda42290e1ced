from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kentongan.events.alarms import AlarmCategory
from kentongan.text import Text

AlarmStatus = Literal["received", "acknowledged", "unit_dispatched", "resolved", "cancelled"]

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


class LocationUpdate(BaseModel):
    lat: float = Latitude
    lon: float = Longitude
    accuracy_m: float = Accuracy
    recorded_at: datetime | None = None


class CancelRequest(BaseModel):
    reason: Annotated[str, Text(500)]


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
    cancel_reason: str | None
    timeline: list[TimelineEntry]
    created_at: datetime
    updated_at: datetime
