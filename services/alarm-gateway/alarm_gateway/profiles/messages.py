"""The SMS alarm-gateway asks notifier to send (device.messages.v1): the phone and the template's fields
(a one-time code, the caller's name) cross the broker sealed with the bus keyring, which notifier shares."""

from datetime import datetime
from uuid import UUID

from alarm_gateway.profiles.keys import ProfileKeys
from kentongan.events.devices import DeviceMessageKind, DeviceSms


def device_sms(keys: ProfileKeys, device_id: UUID, kind: DeviceMessageKind, to: str, *, language: str, at: datetime,
               fields: dict[str, str] | None = None, recipient: str = "owner") -> DeviceSms:
    """One SMS to `to` from the `kind` template, its phone and fields sealed for this device's event."""
    return DeviceSms(device_id=device_id, kind=kind, sms_to=keys.sms.seal(DeviceSms, device_id, "sms_to", to),
                     fields=keys.sms.seal(DeviceSms, device_id, "fields", fields or {}), language=language,
                     recipient=recipient, at=at)
