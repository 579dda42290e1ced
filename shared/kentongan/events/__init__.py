"""Event payloads and their envelope. Importing this package registers every event type."""

from kentongan.events import alarms, cctv, devices, incidents, referrals, reports, topics  # noqa: F401  (registers the models)
from kentongan.events.envelope import Envelope, EventModel, MalformedEvent, UnknownEventType, decode, encode

__all__ = ["Envelope", "EventModel", "MalformedEvent", "UnknownEventType", "decode", "encode", "topics"]
