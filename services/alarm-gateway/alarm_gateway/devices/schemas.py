from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from kentongan.text import Name, Text


class DeviceRegistration(BaseModel):
    platform: Literal["android", "ios", "web"] = "android"
    app_version: Name | None = Field(None, max_length=32)
    push_token: Text(512) | None = Field(None, description="FCM-style token for status pushes")


class RegisteredDevice(BaseModel):
    device_id: UUID
    token: str = Field(description="Bearer token for every other call of this device")
