"""The published AsyncAPI document is the one the code generates: partners never read a stale contract."""

import json
from pathlib import Path

import jsonschema

from kentongan.events.asyncapi import document
from kentongan.events.envelope import registered_types
from kentongan.service import installed_services

DOC = Path(__file__).parents[2] / "docs" / "asyncapi.json"


def test_committed_document_matches_the_event_models():
    assert json.loads(DOC.read_text()) == json.loads(json.dumps(document())), "run `kentongan asyncapi`"


def test_every_event_type_has_a_message_on_its_topic():
    doc = document()
    for ce_type, model in registered_types().items():
        channel = doc["channels"][model.topic.replace(".", "_")]
        assert ce_type in [doc["components"]["messages"][ref["$ref"].rsplit("/", 1)[1]]["name"]
                           for ref in channel["messages"].values()]


def test_every_topic_a_service_consumes_is_documented_as_received_by_it():
    doc = document()
    services = installed_services()
    assert len(services) == 5
    for spec in services:
        assert spec.consumes, f"{spec.name} declares what its consumer reads"
        for topic in spec.consumes:
            operation = doc["operations"][f"{spec.name}.receive.{topic.replace('.', '_')}"]
            assert operation["action"] == "receive"
            assert operation["channel"]["$ref"] == f"#/channels/{topic.replace('.', '_')}"


def test_every_message_has_an_example_its_payload_schema_accepts():
    doc = document()
    for name, message in doc["components"]["messages"].items():
        assert message["summary"], name
        example = message["examples"][0]
        schema = {**message["payload"], "components": doc["components"]}
        jsonschema.Draft202012Validator(schema).validate(example["payload"])
        assert example["headers"]["ce_type"] == message["name"]
