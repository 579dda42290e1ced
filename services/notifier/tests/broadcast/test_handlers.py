"""The neighbourhood broadcast through the real broker: the right people, once, and nothing about a victim."""

import random
from uuid import uuid4

import pytest
from sqlalchemy import select

from kentongan.db import unit_of_work
from kentongan.events import Envelope
from kentongan.events.incidents import (
    IncidentAcknowledged,
    IncidentAlarmMerged,
    IncidentEscalated,
    IncidentOpened,
)
from notifier.consumers import handlers
from notifier.models import CapAlert

M = 1 / 111_320  # degrees of latitude per metre


async def _neighbourhood(place_representative, lat, lon, kelurahan):
    """Home RT at the point, a neighbour 300 m away, a far RT 2 km away; a Polisi RW for each RW."""
    home = await place_representative(lat, lon, rw="03", rt="02", kelurahan=kelurahan)
    neighbour = await place_representative(lat + 300 * M, lon, rw="04", rt="01", kelurahan=kelurahan)
    far = await place_representative(lat + 2000 * M, lon, rw="09", rt="05", kelurahan="Far " + kelurahan)
    polisi = await place_representative(lat + 50 * M, lon, role="polisi_rw", rw="03", rt=None, kelurahan=kelurahan)
    far_polisi = await place_representative(lat + 2000 * M, lon, role="polisi_rw", rw="09", rt=None,
                                            kelurahan="Far " + kelurahan)
    return home, neighbour, far, polisi, far_polisi


def _addresses(*reps) -> list[str]:
    return sorted(rep["contacts"][0]["address"] for rep in reps)


async def test_an_incident_alerts_exactly_its_area_and_neighbours_once(
        publish, place_representative, incident_event, outbox_of, area):
    lat, lon = area
    kelurahan = f"Pekunden {uuid4().hex[:6]}"
    home, neighbour, _far, polisi, _far_polisi = await _neighbourhood(place_representative, lat, lon, kelurahan)
    envelope = await publish(incident_event(IncidentOpened, lat, lon, category="fire"))
    await publish(envelope=envelope)  # the broker redelivers it
    await publish(incident_event(IncidentAcknowledged, lat, lon, status="acknowledged"))  # no broadcast

    messages = await outbox_of(envelope.id, 3)

    assert sorted(m["target"] for m in messages) == _addresses(home, neighbour, polisi)
    body = messages[0]["payload"]["body"]
    assert "kebakaran" in body and "fire" in body and body.index("kebakaran") < body.index("fire")
    assert f"Kel. {kelurahan}" in body and f"{lat:.3f}" not in body


async def test_an_escalation_alerts_the_area_again(publish, place_representative, incident_event, outbox_of,
                                                   area):
    lat, lon = area
    home = await place_representative(lat, lon)
    opened = await publish(incident_event(IncidentOpened, lat, lon, category="violence"))
    escalated = await publish(incident_event(IncidentEscalated, lat, lon, category="violence", escalation_level=1))
    assert [m["target"] for m in await outbox_of(opened.id, 1)] == _addresses(home)
    [message] = await outbox_of(escalated.id, 1)
    assert "ditingkatkan" in message["payload"]["title"]


@pytest.mark.parametrize("category", ["sexual_violence", "child_abuse", "domestic_violence"])
async def test_sensitive_incidents_only_ask_to_stand_by(publish, place_representative, incident_event,
                                                        outbox_of, area, category):
    lat, lon = area
    kelurahan = f"Kembangsari {uuid4().hex[:6]}"
    await place_representative(lat, lon, kelurahan=kelurahan)
    await place_representative(lat, lon + 200 * M, kelurahan=kelurahan, language="en")
    envelope = await publish(incident_event(IncidentOpened, lat, lon, category=category))

    messages = await outbox_of(envelope.id, 2)

    assert len(messages) == 2
    for message in messages:
        text = (message["payload"]["title"] + message["payload"]["body"]).lower()
        assert "siaga" in text and "stand by" in text
        for detail in ("seksual", "sexual", "kekerasan", "violence", "anak", "child", "kembangsari",
                       "semarang", "wib"):
            assert detail not in text, detail


async def test_an_incident_opened_twice_and_its_merged_alarms_broadcast_once(
        notifier, publish, place_representative, incident_event, outbox_of, dev_outbox, area, operator_headers):
    """A crowd: the incident's opening is announced again (a second event for the same incident and area)
    and alarms merge into it; the area hears about it once."""
    lat, lon = area
    kelurahan = f"Kauman {uuid4().hex[:6]}"
    home, neighbour, _far, polisi, _far_polisi = await _neighbourhood(place_representative, lat, lon, kelurahan)
    incident = {"incident_id": uuid4(), "alarm_ids": [], "category": "fire"}
    first = await publish(incident_event(IncidentOpened, lat, lon, alarm_id=uuid4(), alarm_count=1, **incident))
    again = await publish(incident_event(IncidentOpened, lat, lon, alarm_id=uuid4(), alarm_count=1, **incident))
    for count in range(2, 12):
        await publish(incident_event(IncidentAlarmMerged, lat, lon, alarm_id=uuid4(), alarm_count=count, **incident))

    assert len(await outbox_of(first.id, 3)) == 3
    assert await dev_outbox(event_id=again.id) == []
    told = (await notifier.get(f"/v1/incidents/{incident['incident_id']}/notifications",
                               headers=operator_headers())).json()["items"]
    assert sorted(n["recipient"] for n in told if n["purpose"] == "broadcast") == sorted(
        f"rep:{rep['id']}" for rep in (home, neighbour, polisi))
async def test_an_unauthenticated_report_incident_is_broadcast_only_once_acknowledged(
        publish, place_representative, incident_event, outbox_of, dev_outbox, area):
    lat, lon = area
    home = await place_representative(lat, lon)
    held = {"incident_id": uuid4(), "source": "report", "silent": True, "unauthenticated": True,
            "alarm_ids": []}
    opened = await publish(incident_event(IncidentOpened, lat, lon, **held))
    escalated = await publish(incident_event(IncidentEscalated, lat, lon, escalation_level=1, **held))
    acknowledged = await publish(incident_event(IncidentAcknowledged, lat, lon, status="acknowledged",
                                                **held))
    again = await publish(incident_event(IncidentAcknowledged, lat, lon, status="acknowledged", **held))

    [message] = await outbox_of(acknowledged.id, 1)  # the events of one incident are handled in order
    assert message["target"] == _addresses(home)[0]
    assert message["payload"]["data"]["kind"] == "broadcast.standby"
    for before_or_after in (opened, escalated, again):  # reopened and acknowledged again: still once
        assert await dev_outbox(event_id=before_or_after.id) == []


async def test_a_batch_of_incidents_alerts_each_area_once_with_one_cap_alert_each(
        notifier, place_representative, incident_event, operator_headers):
    """A burst reaches the consumer as one batch, handled at once (one audience query and one insert for all):
    each incident still alerts exactly its own area, an incident opened twice in the batch alerts once, and
    each incident publishes one CAP alert."""
    app = notifier.app
    points = [(random.uniform(-50, 50), random.uniform(-170, 170)) for _ in range(3)]
    people = [await _neighbourhood(place_representative, lat, lon, f"Batch {uuid4().hex[:6]}") for lat, lon in points]
    events = [incident_event(IncidentOpened, lat, lon, category="fire") for lat, lon in points]
    batch = [Envelope.wrap(event, "/tests/notifier") for event in events]
    batch.append(Envelope.wrap(events[0], "/tests/notifier"))  # the same opening again, as a new event
    handler = handlers(app.state.settings, app.state.keyring, app.state.bus)[IncidentOpened.ce_type]
    async with unit_of_work(app.state.sessionmaker) as session:
        await handler.handle_many(session, batch)

    for event, (home, neighbour, _far, polisi, _far_polisi) in zip(events, people, strict=True):
        response = await notifier.get(f"/v1/incidents/{event.incident_id}/notifications",
                                      headers=operator_headers())
        assert response.status_code == 200, response.text
        alerted = sorted(item["recipient"] for item in response.json()["items"])
        assert alerted == sorted(f"rep:{rep['id']}" for rep in (home, neighbour, polisi))
    async with app.state.sessionmaker() as session:
        alerts = (await session.execute(select(CapAlert.incident_id, CapAlert.msg_type).where(
            CapAlert.incident_id.in_([event.incident_id for event in events])))).all()
    assert sorted(alerts) == sorted((event.incident_id, "Alert") for event in events)
