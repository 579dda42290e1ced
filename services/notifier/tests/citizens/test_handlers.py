"""Citizen updates: the device behind an alarm hears each milestone once; silent alarms stay off the screen."""

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from kentongan.db import unit_of_work
from kentongan.dev.testing import eventually
from kentongan.events import Envelope
from kentongan.events.alarms import AlarmRaised
from kentongan.events.incidents import (
    IncidentAcknowledged,
    IncidentAlarmMerged,
    IncidentAssigned,
    IncidentOpened,
)
from notifier.consumers import handlers
from notifier.models import AlarmDevice


def alarm(push_token: str | None) -> AlarmRaised:
    return AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="crime", lat=-6.98, lon=110.41,
                       accuracy_m=10, silent=False, raised_at=datetime.now(UTC), push_token=push_token)


async def _pushes_to(dev_outbox, target: str, count: int) -> list[dict]:
    async def arrived():
        found = await dev_outbox(target=target)
        return found if len(found) >= count else None

    return await eventually(arrived, timeout_s=20)


async def test_the_device_hears_received_acknowledged_and_on_the_way_once_each(
        dev_outbox, publish, incident_event, area):
    token = f"push-{uuid4().hex}"
    raised = alarm(token)
    await publish(raised)
    lat, lon = area
    incident = {"incident_id": uuid4(), "alarm_ids": [raised.alarm_id]}
    steps = [incident_event(IncidentOpened, lat, lon, **incident),
             incident_event(IncidentAcknowledged, lat, lon, status="acknowledged", **incident),
             incident_event(IncidentAssigned, lat, lon, status="assigned", unit_id="R-12", **incident)]
    for count, event in enumerate(steps, start=1):
        await publish(event)
        await publish(incident_event(IncidentAlarmMerged, lat, lon, **{**incident, "status": event.status}))
        await _pushes_to(dev_outbox, token, count)  # the alarm and incident topics are not ordered together

    await asyncio.sleep(0.5)
    pushes = await dev_outbox(target=token)
    assert [p["payload"]["data"]["status"] for p in pushes] == ["received", "acknowledged", "unit_on_the_way"]
    assert all(p["channel"] == "push" for p in pushes)
    assert "Bantuan menuju lokasi" in pushes[-1]["payload"]["title"]


async def test_an_alarm_arriving_after_its_incident_moved_on_hears_only_the_latest(
        dev_outbox, publish, incident_event, area):
    token = f"push-{uuid4().hex}"
    raised = alarm(token)
    incident = {"incident_id": uuid4(), "alarm_ids": [raised.alarm_id]}
    await publish(incident_event(IncidentOpened, *area, **incident))
    await publish(incident_event(IncidentAcknowledged, *area, status="acknowledged", **incident))
    await asyncio.sleep(1.5)  # let the incident events be handled first
    await publish(raised)

    [push] = await _pushes_to(dev_outbox, token, 1)
    assert push["payload"]["data"]["status"] == "acknowledged"


@pytest.mark.parametrize(("silent", "category"), [(True, "crime"), (False, "sexual_violence")])
async def test_silent_or_sensitive_alarms_get_data_only_pushes(dev_outbox, publish, incident_event, area,
                                                                silent, category):
    token = f"push-{uuid4().hex}"
    raised = alarm(token)
    await publish(raised)
    await publish(incident_event(IncidentOpened, *area, alarm_ids=[raised.alarm_id], silent=silent,
                                 category=category))

    [push] = await _pushes_to(dev_outbox, token, 1)

    assert set(push["payload"]) == {"data"} and push["payload"]["data"]["status"] == "received"


async def test_every_caller_of_a_crowd_hears_the_acknowledgement(dev_outbox, publish, incident_event, area):
    """Incident events name only the alarm they place; acknowledging still reaches every device behind it."""
    crowd = [alarm(f"push-{uuid4().hex}") for _ in range(6)]
    for raised in crowd:
        await publish(raised)
    incident = {"incident_id": uuid4(), "alarm_ids": []}
    for count, raised in enumerate(crowd, start=1):
        kind = IncidentOpened if count == 1 else IncidentAlarmMerged
        await publish(incident_event(kind, *area, alarm_id=raised.alarm_id, alarm_count=count, **incident))
    for raised in crowd:
        await _pushes_to(dev_outbox, raised.push_token, 1)
    await publish(incident_event(IncidentAcknowledged, *area, status="acknowledged", alarm_count=len(crowd),
                                 **incident))

    for raised in crowd:
        pushes = await _pushes_to(dev_outbox, raised.push_token, 2)
        assert [p["payload"]["data"]["status"] for p in pushes] == ["received", "acknowledged"]


async def test_after_a_duress_cancel_the_callers_hear_nothing_more(dev_outbox, publish, incident_event, area):
    token = f"push-{uuid4().hex}"
    raised = alarm(token)
    await publish(raised)
    incident = {"incident_id": uuid4(), "alarm_ids": [raised.alarm_id]}
    await publish(incident_event(IncidentOpened, *area, **incident))
    await _pushes_to(dev_outbox, token, 1)
    # Forced to cancel: the phone showed "cancelled"; "being handled" would tell whoever holds it otherwise.
    await publish(incident_event(IncidentAcknowledged, *area, status="acknowledged", duress=True, **incident))
    # A later event of the same incident without the flag (same key, so handled after them) marks when they were.
    await publish(incident_event(IncidentAssigned, *area, status="assigned", unit_id="R-1", **incident))
    pushes = await _pushes_to(dev_outbox, token, 2)
    assert [p["payload"]["data"]["status"] for p in pushes] == ["received", "unit_on_the_way"]


async def test_a_batch_of_incident_events_tells_each_device_its_milestone_once(
        notifier, dev_outbox, publish, incident_event, area):
    """A burst handled as one batch: each incident's caller hears "received" once, with the event that placed
    the alarm; a caller whose incident was cancelled under duress in the same batch hears nothing."""
    raised = [alarm(f"push-{uuid4().hex}") for _ in range(3)]
    for event in raised:
        await publish(event)
    for event in raised:
        await _remembered(notifier, event.alarm_id)
    lat, lon = area
    events = [incident_event(IncidentAlarmMerged, lat, lon, incident_id=uuid4(), alarm_ids=[], alarm_id=a.alarm_id)
              for a in raised]
    events[1] = incident_event(IncidentAlarmMerged, lat, lon, incident_id=uuid4(), alarm_ids=[],
                               alarm_id=raised[1].alarm_id, duress=True)
    batch = [Envelope.wrap(event, "/tests/notifier") for event in [*events, events[0]]]  # the first one twice
    app = notifier.app
    handler = handlers(app.state.settings, app.state.keyring, app.state.bus)[IncidentAlarmMerged.ce_type]
    async with unit_of_work(app.state.sessionmaker) as session:
        await handler.handle_many(session, batch)

    for index in (0, 2):
        [push] = await _pushes_to(dev_outbox, raised[index].push_token, 1)
        assert push["payload"]["data"]["status"] == "received"
        assert push["event_id"] == str(batch[index].id)
    await asyncio.sleep(0.5)
    assert len(await dev_outbox(target=raised[0].push_token)) == 1
    assert await dev_outbox(target=raised[1].push_token) == []


async def _remembered(notifier, alarm_id) -> None:
    async def known():
        async with notifier.app.state.sessionmaker() as session:
            return await session.get(AlarmDevice, alarm_id)

    await eventually(known, timeout_s=20)
