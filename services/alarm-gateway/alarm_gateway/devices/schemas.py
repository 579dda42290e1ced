from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class DeviceRegistration(BaseModel):
    platform: Literal["android", "ios", "web"] = "android"
    app_version: str | None = Field(None, max_length=32)
    push_token: str | None = Field(None, max_length=512, description="FCM-style token for status pushes")


class RegisteredDevice(BaseModel):
    device_id: UUID
    token: str = Field(description="Bearer token for every other call of this device")
