"""The AsyncAPI 3.0 document of every topic and event, generated from the payload models themselves, so the
document partner integrators read can never drift from the code (`kentongan asyncapi`)."""

from typing import Any

from kentongan.events import topics
from kentongan.events.envelope import registered_types

PRODUCERS = {
    topics.ALARMS: "alarm-gateway", topics.REPORTS: "report-intake", topics.REFERRALS: "report-intake",
    topics.INCIDENTS: "dispatch", topics.CCTV_SNAPSHOTS: "cctv-ingest", topics.CCTV_HEALTH: "cctv-ingest",
    topics.REPORTER_UPDATES: "report-intake", topics.DEVICE_MESSAGES: "alarm-gateway",
}

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


def document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for ce_type, model in sorted(registered_types().items()):
        name = ce_type.removeprefix("kentongan.").replace(".", "_")
        payload = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(payload.pop("$defs", {}))
        messages[name] = {
            "name": ce_type, "title": ce_type, "summary": (model.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/json", "headers": CLOUDEVENTS_HEADERS,
            "payload": payload,
            "bindings": {"kafka": {"key": {"type": "string", "description": f"the `{model.key_field}`"}}},
        }
        channel = channels.setdefault(_channel_id(model.topic), {
            "address": model.topic, "description": f"Produced by {PRODUCERS.get(model.topic, '?')}; "
                                                   f"dead letters go to {topics.dead_letter(model.topic)}",
            "messages": {},
        })
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for channel_id, channel in channels.items():
        operations[f"publish_{channel_id}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in channel["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Kentongan events", "version": "1.0.0",
                 "description": "Every Kafka topic of the Kentongan platform. Event types are versioned by the "
                                "topic suffix: fields are added, never changed in meaning; ignore unknown fields."},
        "defaultContentType": "application/json",
        "channels": channels, "operations": operations, "components": {"messages": messages, "schemas": schemas},
    }


def _channel_id(topic: str) -> str:
    return topic.replace(".", "_")
