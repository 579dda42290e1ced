"""Incident events arriving together (one consumer poll) reach the app's status in the order they happened."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import func, select

from alarm_gateway.alarms.handlers import on_incidents_changed
from alarm_gateway.models import awaiting
from kentongan.db import unit_of_work
from kentongan.events import Envelope
from kentongan.events import incidents as events


def _event(kind: type[events.IncidentChanged], incident_id: UUID, alarm_id: str, status: str,
           at: datetime) -> Envelope:
    return Envelope.wrap(kind(incident_id=incident_id, status=status, category="crime", priority=3, lat=-6.98,
                              lon=110.41, area="Semarang Tengah", alarm_ids=[UUID(alarm_id)], opened_at=at,
                              updated_at=at, version=1), "/services/dispatch")


async def test_events_of_one_poll_apply_in_order_once_each(gateway, device, alarm_body):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    incident, now = uuid4(), datetime.now(UTC)
    poll = [_event(events.IncidentOpened, incident, body["id"], "open", now),
            _event(events.IncidentAcknowledged, incident, body["id"], "acknowledged", now + timedelta(seconds=1)),
            _event(events.IncidentAssigned, incident, body["id"], "assigned", now + timedelta(seconds=2)),
            _event(events.IncidentStatusChanged, incident, body["id"], "en_route", now + timedelta(seconds=3))]
    async with unit_of_work(gateway.app.state.sessionmaker) as session:
        await on_incidents_changed(session, poll)
    alarm = (await gateway.get(f"/v1/alarms/{body['id']}", headers=device)).json()
    assert alarm["incident_id"] == str(incident)
    assert [step["status"] for step in alarm["timeline"]] == ["received", "acknowledged", "unit_dispatched"]


async def test_a_cancelled_alarm_keeps_its_status_whatever_follows(gateway, device, alarm_body):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    await gateway.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": "salah pencet"}, headers=device)
    async with unit_of_work(gateway.app.state.sessionmaker) as session:
        await on_incidents_changed(session, [_event(events.IncidentAcknowledged, uuid4(), body["id"],
                                                    "acknowledged", datetime.now(UTC))])
    alarm = (await gateway.get(f"/v1/alarms/{body['id']}", headers=device)).json()
    assert alarm["status"] == "cancelled"
    assert [step["status"] for step in alarm["timeline"]] == ["received", "cancelled"]


def _placing(kind: type[events.IncidentChanged], incident_id: UUID, alarm_id: str | None, status: str,
             at: datetime, count: int) -> Envelope:
    """An event as dispatch now publishes it: the alarm it placed and a count, not every alarm id."""
    return Envelope.wrap(kind(incident_id=incident_id, status=status, category="fire", priority=4, lat=-6.98,
                              lon=110.41, area="Semarang Tengah", alarm_id=UUID(alarm_id) if alarm_id else None,
                              alarm_count=count, opened_at=at, updated_at=at, version=count), "/services/dispatch")


async def test_a_status_change_reaches_every_alarm_placed_in_the_incident(gateway, alarm_body):
    """Incident events name only the alarm they placed; acknowledging the incident still tells every caller."""
    bodies = [alarm_body() for _ in range(8)]
    devices = []
    for body in bodies:
        token = (await gateway.post("/v1/devices", json={"platform": "android"})).json()["token"]
        devices.append({"Authorization": f"Bearer {token}"})
        await gateway.post("/v1/alarms", json=body, headers=devices[-1])
    incident, now = uuid4(), datetime.now(UTC)
    placing = [_placing(events.IncidentOpened if n == 0 else events.IncidentAlarmMerged, incident, body["id"],
                        "open", now, n + 1) for n, body in enumerate(bodies)]
    async with unit_of_work(gateway.app.state.sessionmaker) as session:
        await on_incidents_changed(session, placing)
    async with unit_of_work(gateway.app.state.sessionmaker) as session:
        await on_incidents_changed(session, [_placing(events.IncidentAcknowledged, incident, None, "acknowledged",
                                                      now + timedelta(seconds=1), len(bodies))])
    for body, headers in zip(bodies, devices, strict=True):
        alarm = (await gateway.get(f"/v1/alarms/{body['id']}", headers=headers)).json()
        assert alarm["incident_id"] == str(incident)
        assert [step["status"] for step in alarm["timeline"]] == ["received", "acknowledged"]


async def _kept_for_resend(gateway, alarm_id: str) -> bool:
    async with gateway.app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).where(awaiting.c.subject == alarm_id)) == 1


async def test_an_alarm_is_kept_for_a_resend_until_an_incident_names_it(gateway, device, alarm_body):
    body = alarm_body()
    assert (await gateway.post("/v1/alarms", json=body, headers=device)).status_code == 202
    # No dispatch runs in these tests: nothing has placed it.
    assert await _kept_for_resend(gateway, body["id"])
    async with unit_of_work(gateway.app.state.sessionmaker) as session:
        await on_incidents_changed(session, [_event(events.IncidentOpened, uuid4(), body["id"], "open",
                                                    datetime.now(UTC))])
    assert not await _kept_for_resend(gateway, body["id"])


async def test_a_cancelled_alarm_is_not_sent_again(gateway, device, alarm_body):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    assert await _kept_for_resend(gateway, body["id"])
    await gateway.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": "salah pencet"}, headers=device)
    assert not await _kept_for_resend(gateway, body["id"])
