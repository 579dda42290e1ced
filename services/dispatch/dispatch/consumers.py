"""Which events dispatch consumes, and who handles them."""

from functools import partial

from dispatch.callers import handlers as callers
from dispatch.deliveries.handlers import on_delivery_status_changed
from dispatch.erasure.handlers import on_device_erased, on_report_erased
from dispatch.incidents import intake
from dispatch.settings import Settings
from kentongan.bus_crypto import BusKeyring
from kentongan.callers import caller_keyring
from kentongan.consumer import Batched, Handler
from kentongan.crypto import Keyring
from kentongan.events.alarms import AlarmCancelled, AlarmDuress, AlarmLocationUpdated, AlarmRaised
from kentongan.events.cctv import SnapshotCaptured
from kentongan.events.deliveries import DeliveryStatusChanged
from kentongan.events.devices import DeviceErased, DeviceProfileUpdated
from kentongan.events.reports import ReportErased, ReportUrgent


def event_handlers(settings: Settings) -> dict[str, Handler]:
    # Alarm notes: opened from the event with the bus keyring, kept sealed with dispatch's own.
    keyring = Keyring.from_settings(settings)
    notes = intake.NoteSealer(keyring, BusKeyring.from_settings(settings))
    return {
        AlarmRaised.ce_type: Batched(partial(intake.on_alarms_raised, settings=settings, notes=notes)),
        AlarmLocationUpdated.ce_type: intake.on_alarm_location_updated,
        AlarmCancelled.ce_type: partial(intake.on_alarm_cancelled, notes=notes),
        AlarmDuress.ce_type: partial(callers.on_alarm_duress, keyring=keyring),
        DeviceProfileUpdated.ce_type: partial(callers.on_profile_updated, keyring=caller_keyring(settings)),
        DeviceErased.ce_type: partial(on_device_erased, keyring=caller_keyring(settings)),
        ReportErased.ce_type: on_report_erased,
        ReportUrgent.ce_type: partial(intake.on_report_urgent, settings=settings, keyring=keyring),
        SnapshotCaptured.ce_type: intake.on_snapshot_captured,
        DeliveryStatusChanged.ce_type: Batched(on_delivery_status_changed),
    }


def redelivery_handlers() -> dict[str, Handler]:
    """Events handled before and published again: the producer has not heard they are placed (see
    kentongan.placement), so dispatch announces it again."""
    return {
        AlarmRaised.ce_type: Batched(intake.on_alarms_redelivered),
        ReportUrgent.ce_type: intake.on_report_redelivered,
    }
