from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from kentongan.text import Name, Text


class DeviceRegistration(BaseModel):
    platform: Literal["android", "ios", "web"] = "android"
    app_version: Name | None = Field(None, max_length=32)
    push_token: Annotated[str, Text(512)] | None = Field(None, description="FCM-style token for status pushes")


class RegisteredDevice(BaseModel):
    device_id: UUID
    token: str = Field(description="Bearer token for every other call of this device")


class DeviceBlockCreate(BaseModel):
    alarm_id: UUID = Field(description="An alarm the device raised (operators see alarm ids on the incident)")
    reason: Annotated[str, Text(500)] = Field(description="Why, for the record (e.g. repeated prank alarms)")


class DeviceBlock(BaseModel):
    device_id: UUID
    blocked_at: datetime
    blocked_by: str
    reason: str
