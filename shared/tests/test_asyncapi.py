"""The published AsyncAPI document is the one the code generates: partners never read a stale contract."""

import json
from pathlib import Path

from kentongan.events.asyncapi import document
from kentongan.events.envelope import registered_types

DOC = Path(__file__).parents[2] / "docs" / "asyncapi.json"


def test_committed_document_matches_the_event_models():
    assert json.loads(DOC.read_text()) == json.loads(json.dumps(document())), "run `kentongan asyncapi`"


def test_every_event_type_has_a_message_on_its_topic():
    doc = document()
    for ce_type, model in registered_types().items():
        channel = doc["channels"][model.topic.replace(".", "_")]
        assert ce_type in [doc["components"]["messages"][ref["$ref"].rsplit("/", 1)[1]]["name"]
                           for ref in channel["messages"].values()]
