"""No message grows with the size of an incident: a crowd of 10,000 alarms merged into one incident is
announced with events, NOTIFY signals and live-stream notices of the same fixed size as a lone alarm's.

Unit-level: the merging and announcing code runs in memory, as the alarm handler runs it for each alarm."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest

from dispatch.incidents.changes import change, notice, stream_signal, stream_view
from dispatch.incidents.intake import _join_or_open
from dispatch.incidents.merging import Nearby
from dispatch.settings import Settings
from kentongan.events import Envelope, encode
from kentongan.events import incidents as events
from kentongan.events.alarms import AlarmRaised

CROWD = 10_000
MAX_EVENT_BYTES = 1_500  # an incident event's value (JSON)
MAX_SIGNAL_BYTES = 300  # a live-stream NOTIFY payload (PostgreSQL refuses 8,000 bytes or more)
MAX_NOTICE_BYTES = 1_500  # a live-stream notice as a console receives it


@pytest.fixture(scope="module")
def crowd():
    """Every change made by merging CROWD alarms from as many devices within 300 m, and the incident."""
    settings = Settings()
    nearby = Nearby([])
    start = datetime.now(UTC)
    changes = []
    for n in range(CROWD):
        alarm = AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="fire" if n % 7 else "violence",
                            lat=-6.9839 + (n % 100) * 0.00001, lon=110.4093 + (n // 100) * 0.00001, accuracy_m=10,
                            silent=n % 11 == 0, raised_at=start + timedelta(milliseconds=n))
        changes.append(_join_or_open(alarm, nearby, settings))
    [incident] = nearby.opened
    return changes, incident


def _size(event: events.IncidentChanged) -> int:
    return len(encode(Envelope.wrap(event, "/services/dispatch")).value)


def test_a_crowd_of_ten_thousand_alarms_is_one_incident_announced_in_fixed_size_messages(crowd):
    changes, incident = crowd

    assert incident.alarm_count == CROWD and len(incident.alarm_ids) == events.ALARM_IDS_SHOWN
    assert {c.event.incident_id for c in changes} == {incident.id}
    assert max(_size(c.event) for c in changes) < MAX_EVENT_BYTES
    assert max(len(stream_signal(str(uuid4()), c.event).encode()) for c in changes) < MAX_SIGNAL_BYTES
    last = changes[-1].event
    assert last.alarm_count == CROWD and last.alarm_id is not None and len(last.alarm_ids) == events.ALARM_IDS_SHOWN


def test_every_incident_event_type_and_the_live_view_stay_bounded_for_the_crowd(crowd):
    _, incident = crowd
    for model in events.IncidentChanged.__subclasses__():
        event = change(incident, model).event
        assert _size(event) < MAX_EVENT_BYTES, model.ce_type
        assert len(stream_signal(str(uuid4()), event).encode()) < MAX_SIGNAL_BYTES, model.ce_type
    view = stream_view(incident)
    assert view["alarm_count"] == CROWD
    assert len(orjson.dumps(notice(str(uuid4()), events.IncidentAlarmMerged.ce_type, view, str(uuid4())))) \
        < MAX_NOTICE_BYTES


def test_no_event_model_holds_a_list_but_the_bounded_alarm_ids():
    """A list field is how a message grows with an incident or a crowd: the incident's alarm ids are cut to the
    first few above, and any other list must declare its bound (a delivery event's changes, at most 100)."""
    from annotated_types import MaxLen

    from kentongan.events.envelope import registered_types

    lists = {(model.__name__, name): field for model in registered_types().values()
             for name, field in model.model_fields.items() if "list" in str(field.annotation).lower()}
    unbounded = {key for key, field in lists.items() if key[1] != "alarm_ids"
                 and not any(isinstance(rule, MaxLen) and rule.max_length <= 100 for rule in field.metadata)}
    assert not unbounded, f"event lists without a declared bound: {sorted(unbounded)}"
