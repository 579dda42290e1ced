"""Event payloads and their envelope. Importing this package registers every event type."""

# Importing the modules registers their models.
from kentongan.events import alarms, cctv, incidents, referrals, reports, topics  # noqa: F401
from kentongan.events.envelope import Envelope, EventModel, MalformedEvent, UnknownEventType, decode, encode

__all__ = ["Envelope", "EventModel", "MalformedEvent", "UnknownEventType", "decode", "encode", "topics"]
