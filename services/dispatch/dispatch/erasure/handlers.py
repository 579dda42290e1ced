"""Erasure events: a device or a reporter erased their data at the source; dispatch drops its copies.

Incidents stay (statistics, review) with nothing left that leads back to the person: a device's caller profile
(name, phone, emergency contacts, medical notes) goes, with the call-backs to its phone and its trail where the
incident is closed, and its alarms keep no device and no words; a report's incidents lose the keyed hash of
where it was sent from."""

import json

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.erasure import repository
from dispatch.models import CallbackAttempt
from kentongan.callers import open_profile
from kentongan.crypto import Keyring, Sealed
from kentongan.events import Envelope
from kentongan.events.devices import DeviceErased
from kentongan.events.reports import ReportErased


async def on_device_erased(session: AsyncSession, envelope: Envelope, keyring: Keyring) -> None:
    """Drop the device's profile, the call-backs to its phone, its trail and its alarms' link to it.
    `keyring`: the callers' (it opens the profile and the call-backs to compare phones)."""
    erased: DeviceErased = envelope.data  # type: ignore[assignment]
    profile = await repository.pop_profile(session, erased.device_id)
    incident_ids = await repository.incidents_of_device(session, erased.device_id)
    if profile is not None and incident_ids:
        phone = open_profile(keyring, erased.device_id, *profile).phone
        callbacks = await repository.callbacks_of(session, incident_ids)
        await repository.delete_callbacks(session, [c.id for c in callbacks if _dialled(keyring, c) == phone])
    await repository.forget_device_alarms(session, erased.device_id)


async def on_report_erased(session: AsyncSession, envelope: Envelope) -> None:
    """The report's incidents keep no trace of its sender."""
    erased: ReportErased = envelope.data  # type: ignore[assignment]
    await repository.forget_report(session, erased.report_id)


def _dialled(keyring: Keyring, callback: CallbackAttempt) -> str:
    return str(json.loads(keyring.open(Sealed(callback.key_id, callback.sealed), callback.incident_id.bytes))
               ["caller_phone"])
