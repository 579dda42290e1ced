"""The AsyncAPI 3.0 document of every topic and event, generated from the payload models themselves, so the
document partner integrators read can never drift from the code (`kentongan asyncapi`)."""

from typing import Any

from kentongan.events import topics
from kentongan.events.envelope import registered_types
from kentongan.openapi import example_of
from kentongan.service import ServiceSpec, installed_services

CLOUDEVENTS_HEADERS = {
    "type": "object",
    "description": "CloudEvents 1.0, Kafka binary content mode",
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "UUIDv7; consumers de-duplicate on it"},
        "ce_type": {"type": "string"},
        "ce_source": {"type": "string", "example": "/services/alarm-gateway"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The entity id, also the Kafka key"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def document(services: list[ServiceSpec] | None = None) -> dict[str, Any]:
    """The document of every event type on its topic, and of what each service sends and receives."""
    services = installed_services() if services is None else services
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for ce_type, model in sorted(registered_types().items()):
        name = ce_type.removeprefix("kentongan.").replace(".", "_")
        payload = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(payload.pop("$defs", {}))
        messages[name] = {
            "name": ce_type, "title": ce_type, "summary": (model.__doc__ or "").strip().split("\n")[0] or f"The {ce_type} event",
            "contentType": "application/json", "headers": CLOUDEVENTS_HEADERS,
            "payload": payload,
            "bindings": {"kafka": {"key": {"type": "string", "description": f"the `{model.key_field}`"}}},
        }
        channel = channels.setdefault(_channel_id(model.topic), {
            "address": model.topic, "description": _channel_description(model.topic, services),
            "messages": {},
        })
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    components = {"messages": messages, "schemas": schemas}
    for model in registered_types().values():
        name = model.ce_type.removeprefix("kentongan.").replace(".", "_")
        messages[name]["examples"] = [_example(messages[name], components, _senders(model.topic, services))]
    for spec in services:
        for topic in spec.topics:
            if _channel_id(topic) in channels:
                action = "receive" if topic in spec.consumes else "send"
                operations[f"{spec.name}.{action}.{_channel_id(topic)}"] = _operation(spec.name, action, topic,
                                                                                        channels)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Kentongan events", "version": "1.0.0",
                 "description": "Every Kafka topic of the Kentongan platform. Event types are versioned by the "
                                "topic suffix: fields are added, never changed in meaning; ignore unknown fields."},
        "defaultContentType": "application/json",
        "channels": channels, "operations": operations, "components": components,
    }


def _channel_description(topic: str, services: list[ServiceSpec]) -> str:
    senders = _senders(topic, services)
    receivers = [spec.name for spec in services if topic in spec.consumes]
    return (f"Sent by {', '.join(senders) or 'no service'}; received by {', '.join(receivers) or 'no service'}. "
            f"A message its consumer cannot handle goes to {topics.dead_letter(topic)}.")


def _senders(topic: str, services: list[ServiceSpec]) -> list[str]:
    return [spec.name for spec in services if topic in spec.topics and topic not in spec.consumes]


def _operation(service: str, action: str, topic: str, channels: dict[str, Any]) -> dict[str, Any]:
    channel_id = _channel_id(topic)
    verb = "sends" if action == "send" else "receives"
    return {
        "action": action, "channel": {"$ref": f"#/channels/{channel_id}"},
        "summary": f"{service} {verb} {topic}",
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in channels[channel_id]["messages"]],
    }


def _example(message: dict[str, Any], components: dict[str, Any], senders: list[str]) -> dict[str, Any]:
    payload = example_of(message["payload"], {"components": components})
    return {"name": message["name"].removeprefix("kentongan.").replace(".", "_"), "summary": message["summary"],
            "headers": {"ce_specversion": "1.0", "ce_id": "0192f0c4-6c1e-7d3a-9b7e-2f1d5c3a8e41",
                        "ce_type": message["name"], "ce_source": f"/services/{senders[0] if senders else 'unknown'}",
                        "ce_time": "2026-12-03T08:15:00+07:00", "ce_subject": "0192f0c4-6c1e-7d3a-9b7e-2f1d5c3a8e42",
                        "content-type": "application/json"},
            "payload": payload}


def _channel_id(topic: str) -> str:
    return topic.replace(".", "_")
