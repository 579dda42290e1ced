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


def test_records_are_the_ones_the_cloudevents_sdk_writes_and_reads():
    # The envelope writes and reads binary mode itself (the SDK cost more than the payload); partners and
    # tools use the SDK, so both must agree on every attribute.
    from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    envelope = Envelope.wrap(_raised(), "/services/alarm-gateway")
    ours = encode(envelope)
    theirs = to_binary(CloudEvent(attributes={
        "id": envelope.id, "type": envelope.type, "source": envelope.source, "time": envelope.time,
        "subject": envelope.subject, "datacontenttype": "application/json", "partitionkey": envelope.subject,
    }, data=envelope.data.model_dump_json()), JSONFormat())
    theirs.headers.pop("ce_partitionkey")
    assert (ours.headers, ours.key, ours.value) == (theirs.headers, theirs.key, theirs.value)
    record = KafkaMessage(headers=ours.headers, key=ours.key.encode(), value=ours.value)
    read = from_binary(record, JSONFormat())
    assert (read.get_id(), read.get_type(), read.get_time()) == (envelope.id, envelope.type, envelope.time)
    back = decode(list(theirs.headers.items()), None, theirs.value)
    assert (back.time, back.source, back.subject) == (envelope.time, envelope.source, envelope.subject)


@pytest.mark.parametrize("broken", [
    {"ce_id": b""}, {"ce_source": None}, {"ce_specversion": b"0.3"}, {"ce_time": b"yesterday"},
    {"ce_time": b"2026-12-03T10:00:00"}, {"ce_subject": b""}, {"content-type": b"text/plain"},
    {"ce_type": b"\xff"},
])
def test_broken_attributes_are_malformed_never_a_crash(broken):
    message = encode(Envelope.wrap(_raised(), "/test"))
    with pytest.raises(MalformedEvent):
        decode({**message.headers, **broken}, None, message.value)
