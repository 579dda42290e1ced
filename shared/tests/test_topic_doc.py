"""docs/architecture.md shows the topics between the services as the AsyncAPI document describes them: the
generated section is current, and the generator follows the document (senders, receivers, keys, events)."""

import json
from pathlib import Path

import pytest

from kentongan.events.asyncapi import document
from kentongan.events.topic_doc import BEGIN, END, topics_markdown, with_topics

DOCS = Path(__file__).parents[2] / "docs"


def test_the_architecture_page_shows_the_topics_of_the_asyncapi_document():
    page = (DOCS / "architecture.md").read_text()
    asyncapi = json.loads((DOCS / "asyncapi.json").read_text())
    assert with_topics(page, asyncapi) == page, "run `kentongan topics-doc`"


def test_each_topic_row_names_its_key_senders_receivers_and_events():
    rows = {row.split(" | ")[0]: row for row in topics_markdown(document()).splitlines() if row.startswith("| `")}
    assert rows["| `alarms.v1`"].startswith("| `alarms.v1` | `alarm_id` | alarm-gateway | dispatch, notifier | ")
    assert "`alarm.raised`" in rows["| `alarms.v1`"] and "`incident.opened`" in rows["| `incidents.v1`"]
    assert rows["| `cctv.health.v1`"].startswith("| `cctv.health.v1` | `camera_id` | cctv-ingest | no service | ")
    table = topics_markdown(document())
    assert "  dispatch[dispatch] --> incidents_v1" in table and "  incidents_v1 --> notifier[notifier]" in table


def test_a_page_without_the_markers_is_refused_not_appended_to():
    with pytest.raises(ValueError, match="markers"):
        with_topics("# no markers here\n", document())
    assert with_topics(f"a\n{BEGIN}\nold\n{END}\nb\n", document()).count(END) == 1
