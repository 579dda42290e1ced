"""Events about a device's owner, produced by alarm-gateway.

`DeviceProfileUpdated` travels on `alarms.v1` (key: device id) to dispatch, which shows the caller of an
alarm. The profile is personal data of a possible victim: it crosses the broker only sealed with the caller
keyring (`kentongan.callers`), which alarm-gateway and dispatch hold and no other service does.

`DeviceErased` follows the device's profile on `alarms.v1`: the device erased itself, and dispatch and notifier
drop what they hold about it. It carries the id only.

`DeviceSms` carries a phone number and a message's fields (a one-time code, the caller's name), both sealed with
the bus keyring (`kentongan.bus_crypto`, shared with notifier), and like reporter updates it has a topic only
notifier reads.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel
from kentongan.events.sealed import SealedField


class DeviceProfileUpdated(EventModel):
    """The device's caller profile as it is now (sealed); the latest `updated_at` wins."""

    topic: ClassVar[str] = topics.ALARMS
    key_field: ClassVar[str] = "device_id"
    ce_type: ClassVar[str] = "kentongan.device.profile_updated"

    device_id: UUID
    key_id: str
    # base64 of nonce || AES-256-GCM(CallerProfile JSON), bound to the device id.
    sealed_profile: str
    updated_at: datetime


class DeviceErased(EventModel):
    """The device erased its profile and history (`DELETE /v1/devices/me`): drop its caller profile, its
    contacts and what was sent to it; keep incident history anonymous, for statistics."""

    topic: ClassVar[str] = topics.ALARMS
    key_field: ClassVar[str] = "device_id"
    ce_type: ClassVar[str] = "kentongan.device.erased"

    device_id: UUID
    erased_at: datetime


DeviceMessageKind = Literal["verification_code", "emergency_contact", "sms_panic_received"]


class DeviceSms(EventModel):
    """One text message for notifier to send: a verification code to the device's phone, an alert to an
    emergency contact, or the confirmation of an SMS panic. `kind` names the message template."""

    topic: ClassVar[str] = topics.DEVICE_MESSAGES
    key_field: ClassVar[str] = "device_id"
    ce_type: ClassVar[str] = "kentongan.device.sms"

    device_id: UUID
    kind: DeviceMessageKind
    sms_to: SealedField  # the phone, sealed
    language: str = "id"
    # The template's fields, sealed (e.g. {"code": "123456"}, {"name": ..., "place": ...}): a handful, bounded.
    fields: SealedField
    # Distinguishes several messages of one event (one per emergency contact).
    recipient: str = "owner"
    at: datetime
