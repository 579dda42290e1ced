"""The CloudEvents envelope round-trips through Kafka records, and broken records are told apart."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from kentongan.events import Envelope, MalformedEvent, UnknownEventType, decode, encode
from kentongan.events.alarms import AlarmRaised


def _raised() -> AlarmRaised:
    return AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="fire", lat=-6.98, lon=110.41,
                       accuracy_m=5, silent=False, raised_at=datetime.now(UTC))


def test_binary_mode_round_trip_keeps_attributes_and_payload():
    envelope = Envelope.wrap(_raised(), "/services/alarm-gateway")
    message = encode(envelope)
    assert message.headers["ce_type"] == b"kentongan.alarm.raised"
    assert message.headers["content-type"] == b"application/json"
    assert message.key == str(envelope.data.alarm_id)
    back = decode(list(message.headers.items()), message.key.encode(), message.value)
    assert back.id == envelope.id and back.data == envelope.data and back.subject == envelope.subject


def test_unknown_type_and_malformed_data_are_distinguished():
    message = encode(Envelope.wrap(_raised(), "/test"))
    unknown = {**message.headers, "ce_type": b"kentongan.something.else"}
    with pytest.raises(UnknownEventType):
        decode(unknown, None, message.value)
    with pytest.raises(MalformedEvent):
        decode(message.headers, None, b'{"alarm_id": "not-a-uuid"}')
    with pytest.raises(MalformedEvent):
        decode({"ce_type": b"kentongan.alarm.raised"}, None, b"{}")


def test_consumers_ignore_fields_they_do_not_know():
    message = encode(Envelope.wrap(_raised(), "/test"))
    value = message.value[:-1] + b', "added_in_a_later_version": 1}'
    assert decode(message.headers, None, value).data.category == "fire"
