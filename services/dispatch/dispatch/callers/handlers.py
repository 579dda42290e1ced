"""Caller events from alarm-gateway: profiles (kept sealed, the latest per device) and duress signals."""

import base64

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callers import repository
from dispatch.incidents import repository as incidents
from dispatch.incidents.changes import record_change
from dispatch.incidents.sealing import new_note, set_outcome
from kentongan.callers import open_profile
from kentongan.crypto import Keyring
from kentongan.events import Envelope
from kentongan.events import incidents as events
from kentongan.events.alarms import AlarmDuress
from kentongan.events.devices import DeviceProfileUpdated
from kentongan.events.incidents import CLOSED_STATUSES, MAX_PRIORITY

DURESS_NOTE = ("DURESS: penelepon dipaksa membatalkan alarm (PIN darurat). Di ponselnya alarm tampak batal; "
               "jangan ungkapkan ini saat menelepon. / The caller was forced to cancel (duress PIN). Their phone "
               "shows the alarm cancelled: do not reveal otherwise when calling.")
WRONG_PINS_NOTE = ("Lima PIN salah dicoba untuk membatalkan alarm. / Five wrong PINs were tried to cancel an alarm: "
                   "someone may be trying to silence it.")


async def on_profile_updated(session: AsyncSession, envelope: Envelope, keyring: Keyring) -> None:
    """Keep the profile as it came, sealed; one that this keyring cannot open is an error (dead-lettered)."""
    profile: DeviceProfileUpdated = envelope.data  # type: ignore[assignment]
    sealed = base64.b64decode(profile.sealed_profile)
    open_profile(keyring, profile.device_id, profile.key_id, sealed)
    await repository.keep_latest_profile(session, profile.device_id, profile.key_id, sealed, profile.updated_at)


async def on_alarm_duress(session: AsyncSession, envelope: Envelope, keyring: Keyring) -> None:
    """The incident goes to the top of the queue (back into it if it was closed) with a note saying why."""
    signal: AlarmDuress = envelope.data  # type: ignore[assignment]
    alarm = await incidents.alarm(session, signal.alarm_id)
    if alarm is None:
        raise LookupError(f"duress for unknown alarm {signal.alarm_id}")  # retried, then dead-lettered
    incident = await incidents.locked_of_alarm(session, alarm)
    incident.priority = MAX_PRIORITY
    if signal.trigger == "duress_pin":
        incident.duress = True
    if incident.status in CLOSED_STATUSES:
        incident.status, incident.resolved_at = "open", None
        set_outcome(keyring, incident, None)
    session.add(new_note(keyring, incident.id, "system",
                         DURESS_NOTE if signal.trigger == "duress_pin" else WRONG_PINS_NOTE))
    await record_change(session, incident, events.IncidentEscalated)
