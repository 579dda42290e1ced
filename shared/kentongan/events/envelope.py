"""The event envelope: CloudEvents 1.0 in Kafka binary mode, around a pydantic payload defined once here.

Every payload class names its CloudEvents `type`, its topic and the entity id that keys it, and registers
itself so a consumer can turn any record back into the right model.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import BaseModel, ConfigDict
from uuid6 import uuid7

_FORMAT = JSONFormat()


class _RawJSONData(JSONFormat):
    """Reads the attributes and hands JSON data over as the raw bytes: the payload model validates them
    itself in one pass (pydantic's JSON parser), instead of the SDK parsing them into a dict first."""

    def read_data(self, body: bytes, datacontenttype: str | None) -> dict[str, Any] | str | bytes | None:
        if body and (datacontenttype or self.DEFAULT_CONTENT_TYPE) == "application/json":
            return body
        return super().read_data(body, datacontenttype)


_READ_FORMAT = _RawJSONData()
_REGISTRY: dict[str, type["EventModel"]] = {}


class EventModel(BaseModel):
    """Base of every event payload. Consumers ignore fields they do not know (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ce_type: ClassVar[str]
    topic: ClassVar[str]
    key_field: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "ce_type" in cls.__dict__:
            _REGISTRY[cls.ce_type] = cls

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))


class UnknownEventType(Exception):
    """The record's `ce_type` has no payload model in this library."""


class MalformedEvent(Exception):
    """The record is not a valid CloudEvent or its data does not fit its model."""


@dataclass(frozen=True)
class Envelope:
    """One event as it travels: CloudEvents attributes plus the typed payload."""

    id: str
    type: str
    source: str
    time: datetime
    subject: str
    data: EventModel

    @classmethod
    def wrap(cls, data: EventModel, source: str) -> "Envelope":
        return cls(str(uuid7()), data.ce_type, source, datetime.now(UTC), data.key, data)

    @property
    def topic(self) -> str:
        return self.data.topic


def encode(envelope: Envelope) -> KafkaMessage:
    """The Kafka record (headers, key, value) for an envelope, in CloudEvents binary mode."""
    event = CloudEvent(
        attributes={
            "id": envelope.id,
            "type": envelope.type,
            "source": envelope.source,
            "time": envelope.time,
            "subject": envelope.subject,
            "datacontenttype": "application/json",
            "partitionkey": envelope.subject,
        },
        data=envelope.data.model_dump_json(),  # already JSON: the SDK writes a string as it is
    )
    message = to_binary(event, _FORMAT)
    message.headers.pop("ce_partitionkey", None)  # the Kafka key already carries it
    return message


def decode(headers: list[tuple[str, bytes]] | dict[str, bytes], key: bytes | None, value: bytes) -> Envelope:
    """The envelope for a received Kafka record; raises UnknownEventType or MalformedEvent."""
    header_map = dict(headers)
    try:
        event = from_binary(KafkaMessage(headers=header_map, key=key, value=value), _READ_FORMAT)
    except Exception as exc:  # the SDK raises several types for broken attributes or JSON
        raise MalformedEvent(str(exc)) from exc
    model = _REGISTRY.get(event.get_type())
    if model is None:
        raise UnknownEventType(event.get_type())
    raw = event.get_data()
    try:
        data = model.model_validate_json(raw) if isinstance(raw, bytes) else model.model_validate(raw)
    except ValueError as exc:
        raise MalformedEvent(str(exc)) from exc
    return Envelope(event.get_id(), event.get_type(), event.get_source(), event.get_time() or datetime.now(UTC),
                    event.get_subject() or data.key, data)


def registered_types() -> dict[str, type[EventModel]]:
    """Every event type this library knows, by CloudEvents `type`."""
    return dict(_REGISTRY)
