"""The caller of a panic alarm: the profile a device's owner gives, and the keyring that seals it on the bus.

alarm-gateway keeps the profile (sealed at rest with its own keyring) and publishes it, whenever it changes,
sealed with the **caller keyring** (`KENTONGAN_CALLER_KEYS`, `kid:base64key,...`, new values sealed with
`KENTONGAN_CALLER_ACTIVE_KEY_ID`). Only alarm-gateway and dispatch are given that keyring: notifier also
reads `alarms.v1` but cannot open a profile, and neither can anyone reading the broker's disks. The sealed
value is bound to the device id, so it cannot be replayed as another device's profile.
"""

import base64
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, SecretStr, model_validator

from kentongan.crypto import Keyring, Sealed, development_keys, parse_keys
from kentongan.events.devices import DeviceProfileUpdated
from kentongan.settings import ServiceSettings

CALLER_KEYS = "KENTONGAN_CALLER_KEYS"
MAX_CONTACTS = 3


class EmergencyContact(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(description="E.164, e.g. +6281234567890")
    relation: str = Field(min_length=1, max_length=50)


class CallerProfile(BaseModel):
    """What the Command Center may know of the person behind a device (all of it personal data)."""

    name: str
    phone: str
    phone_verified: bool = False
    language: Literal["id", "en"] = "id"
    emergency_contacts: list[EmergencyContact] = Field(default_factory=list, max_length=MAX_CONTACTS)
    medical_notes: str | None = None


class CallerKeySettings(ServiceSettings):
    """The caller keyring, for the services that seal or open caller profiles on the bus. Production refuses
    the development key like any other placeholder."""

    caller_keys: SecretStr = Field(development_keys("callers"), validation_alias=CALLER_KEYS)
    caller_active_key_id: str = Field("dev-only", validation_alias="KENTONGAN_CALLER_ACTIVE_KEY_ID")

    @model_validator(mode="after")
    def _caller_keyring_is_usable(self) -> "CallerKeySettings":
        caller_keyring(self)  # raises ValueError naming what is wrong
        return self

    def secret_values(self) -> dict[str, str]:
        return {**super().secret_values(), CALLER_KEYS: self.caller_keys.get_secret_value()}

    def keyrings(self) -> dict[str, str]:
        return {**super().keyrings(), CALLER_KEYS: self.caller_keys.get_secret_value()}


def caller_keyring(settings: CallerKeySettings) -> Keyring:
    keys = parse_keys(settings.caller_keys.get_secret_value(), CALLER_KEYS)
    return Keyring(keys, settings.caller_active_key_id, CALLER_KEYS)


def seal_profile(keyring: Keyring, device_id: UUID, profile: CallerProfile, at: datetime) -> DeviceProfileUpdated:
    """The event announcing the device's profile, sealed for dispatch."""
    sealed = keyring.seal(profile.model_dump_json().encode(), device_id.bytes)
    return DeviceProfileUpdated(device_id=device_id, key_id=sealed.key_id,
                                sealed_profile=base64.b64encode(sealed.blob).decode(), updated_at=at)


def open_profile(keyring: Keyring, device_id: UUID, key_id: str, blob: bytes) -> CallerProfile:
    """The profile sealed for `device_id`; raises for an unknown key or a value of another device."""
    return CallerProfile.model_validate_json(keyring.open(Sealed(key_id, blob), device_id.bytes))
