from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kentongan.callers import EmergencyContact
from kentongan.text import Text

CallbackOutcome = Literal["reached", "no_answer", "busy", "wrong_number"]
E164 = Field(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, as shown on the caller card")


class Caller(BaseModel):
    """The person behind one of the incident's alarms; the profile fields are null when the device has none."""

    alarm_id: UUID
    device_id: UUID
    name: str | None
    phone: str | None
    phone_verified: bool
    language: str | None
    pressed_at: datetime | None
    raised_at: datetime
    delayed: bool
    battery_pct: int | None
    source: Literal["app", "sms"]
    location_last_known: bool
    cancelled: bool
    emergency_contacts: list[EmergencyContact]
    medical_notes: str | None


class Callback(BaseModel):
    id: int
    operator: str
    caller_phone: str
    outcome: CallbackOutcome
    note: str | None
    created_at: datetime


class IncidentCallers(BaseModel):
    incident_id: UUID
    duress: bool
    callers: list[Caller] = Field(description="The first callers by time of alarm (at most `limit`)")
    total_callers: int
    callbacks: list[Callback] = Field(description="The latest call-back attempts, newest first (at most 50)")


class CallbackCreate(BaseModel):
    caller_phone: str = E164
    outcome: CallbackOutcome
    note: Annotated[str, Text(500)] | None = None


class CallerReadView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    incident_id: UUID
    reader: str
    role: str
    read_at: datetime
