"""Topic names. Versioned by suffix: add fields to an event, never change their meaning."""

ALARMS = "alarms.v1"
REPORTS = "reports.v1"
REFERRALS = "referrals.v1"
INCIDENTS = "incidents.v1"
CCTV_SNAPSHOTS = "cctv.snapshots.v1"
CCTV_HEALTH = "cctv.health.v1"
# Read by notifier alone: it carries a reporter's phone number (see events/reports.py, ReporterUpdate).
REPORTER_UPDATES = "reporter.updates.v1"
# Read by notifier alone: SMS to a device's owner or their emergency contacts (see events/devices.py, DeviceSms).
DEVICE_MESSAGES = "device.messages.v1"

ALL = [ALARMS, REPORTS, REFERRALS, INCIDENTS, CCTV_SNAPSHOTS, CCTV_HEALTH, REPORTER_UPDATES, DEVICE_MESSAGES]


def dead_letter(topic: str) -> str:
    return f"{topic}.dlq"
