"""The console's incident vocabulary comes from the event models through /console/config.json: every status and
category the model knows is listed there, in the model's order, with a label in each language, and the page keeps
no copy of its own."""

import re
from pathlib import Path

import httpx
import pytest

from dispatch.console import static
from dispatch.main import create_app
from dispatch.settings import Settings
from kentongan.events.incidents import (
    ACTIVE_STATUSES,
    INCIDENT_CATEGORIES,
    INCIDENT_STATUSES,
    SENSITIVE_CATEGORIES,
    STATUS_TRANSITIONS,
)

CONSOLE_JS = Path(static.__path__[0]) / "console.js"


@pytest.fixture(scope="module")
async def vocabulary(stack) -> dict:
    app = create_app(Settings(map_tile_url=""))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return (await client.get("/console/config.json")).json()["vocabulary"]


async def test_every_status_and_category_of_the_model_is_listed_in_order_with_labels(vocabulary):
    assert vocabulary["statuses"] == list(INCIDENT_STATUSES)
    assert vocabulary["active"] == list(ACTIVE_STATUSES)
    assert vocabulary["categories"] == list(INCIDENT_CATEGORIES)
    assert set(vocabulary["sensitive"]) == SENSITIVE_CATEGORIES
    assert set(vocabulary["priorities"]) == set(INCIDENT_CATEGORIES)
    for lang in ("id", "en"):
        labels = vocabulary["labels"][lang]
        assert list(labels["statuses"]) == list(INCIDENT_STATUSES), lang
        assert list(labels["categories"]) == list(INCIDENT_CATEGORIES), lang
        assert all(label.strip() for label in [*labels["statuses"].values(), *labels["categories"].values()])


async def test_the_transitions_the_page_enables_buttons_by_are_the_models(vocabulary):
    assert {to: set(allowed) for to, allowed in vocabulary["transitions"].items()} == \
        {to: set(allowed) for to, allowed in STATUS_TRANSITIONS.items()}
    assert vocabulary["transitions"]["en_route"] == ["assigned"]


def test_the_page_keeps_no_hand_kept_list_of_statuses_or_categories():
    source = CONSOLE_JS.read_text()
    names = {*INCIDENT_STATUSES, *INCIDENT_CATEGORIES}
    # A list of two names or more, or labels for two names or more (`en_route: "en route"`), is a second copy
    # of the vocabulary; a single name (the action a button asks for, the "medical" notes' label) is not.
    lists = [found for found in re.findall(r"\[([^\[\]]*)\]", source)
             if len(set(re.findall(r'"([a-z_]+)"', found)) & names) >= 2]
    labelled = {name for name in re.findall(r'\b([a-z_]+): "', source) if name in names}
    assert lists == [] and len(labelled) < 2, (lists, labelled)
