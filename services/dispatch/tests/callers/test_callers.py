"""The callers of an incident: profile (opened from the sealed event), press details, contacts and medical notes,
every read audited and listed for supervisors, call-backs on the timeline, duress at the top of the queue."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text

from dispatch.consumers import event_handlers
from kentongan.callers import CallerProfile, EmergencyContact, caller_keyring, seal_profile
from kentongan.db import unit_of_work
from kentongan.events import Envelope
from kentongan.events.alarms import AlarmDuress, AlarmRaised

PROFILE = CallerProfile(name="Sri Wahyuni", phone="+6281234567890", phone_verified=True,
                        emergency_contacts=[EmergencyContact(name="Budi", phone="+6281311112222",
                                                             relation="suami")], medical_notes="asma")


@pytest.fixture
def feed(dispatch_app):
    """Hand events to dispatch's own handlers, as its consumer would."""
    app = dispatch_app.app
    handlers = event_handlers(app.state.settings)

    async def feed_event(event) -> None:
        async with unit_of_work(app.state.sessionmaker) as session:
            await handlers[event.ce_type](session, Envelope.wrap(event, "/services/alarm-gateway"))

    return feed_event


async def _alarm(feed, unique_place, device_id, **fields) -> AlarmRaised:
    lat, lon = unique_place()
    now = datetime.now(UTC)
    alarm = AlarmRaised(alarm_id=uuid4(), device_id=device_id, category="crime", lat=lat, lon=lon, accuracy_m=10,
                        silent=False, raised_at=now, **fields)
    await feed(alarm)
    return alarm


async def _incident_of(dispatch_app, operator_headers, alarm_id):
    queue = (await dispatch_app.get("/v1/incidents", headers=operator_headers())).json()["items"]
    return next(incident for incident in queue if str(alarm_id) in incident["alarm_ids"])


async def test_callers_show_profile_and_press_details(dispatch_app, feed, unique_place, operator_headers):
    device_id = uuid4()
    await feed(seal_profile(caller_keyring(dispatch_app.app.state.settings), device_id, PROFILE, datetime.now(UTC)))
    pressed = datetime.now(UTC) - timedelta(minutes=3)
    alarm = await _alarm(feed, unique_place, device_id, pressed_at=pressed, delayed=True, battery_pct=9)
    incident = await _incident_of(dispatch_app, operator_headers, alarm.alarm_id)
    response = await dispatch_app.get(f"/v1/incidents/{incident['id']}/callers", headers=operator_headers())
    assert response.status_code == 200
    body = response.json()
    assert body["total_callers"] == 1 and body["duress"] is False
    caller = body["callers"][0]
    assert (caller["name"], caller["phone"], caller["phone_verified"]) == ("Sri Wahyuni", "+6281234567890", True)
    assert caller["delayed"] is True and caller["battery_pct"] == 9 and caller["source"] == "app"
    assert datetime.fromisoformat(caller["pressed_at"]) == pressed
    assert caller["emergency_contacts"] == [{"name": "Budi", "phone": "+6281311112222", "relation": "suami"}]
    assert caller["medical_notes"] == "asma"


async def test_a_newer_profile_wins_and_an_older_one_arriving_late_does_not(dispatch_app, feed, unique_place,
                                                                          operator_headers):
    keyring, device_id, now = caller_keyring(dispatch_app.app.state.settings), uuid4(), datetime.now(UTC)
    await feed(seal_profile(keyring, device_id, PROFILE.model_copy(update={"name": "Baru"}), now))
    await feed(seal_profile(keyring, device_id, PROFILE.model_copy(update={"name": "Lama"}), now - timedelta(1)))
    alarm = await _alarm(feed, unique_place, device_id)
    incident = await _incident_of(dispatch_app, operator_headers, alarm.alarm_id)
    body = (await dispatch_app.get(f"/v1/incidents/{incident['id']}/callers", headers=operator_headers())).json()
    assert body["callers"][0]["name"] == "Baru"


async def test_a_device_without_profile_is_still_a_caller(dispatch_app, feed, unique_place, operator_headers):
    alarm = await _alarm(feed, unique_place, uuid4())
    incident = await _incident_of(dispatch_app, operator_headers, alarm.alarm_id)
    caller = (await dispatch_app.get(f"/v1/incidents/{incident['id']}/callers",
                                     headers=operator_headers())).json()["callers"][0]
    assert caller["name"] is None and caller["phone"] is None and caller["emergency_contacts"] == []


async def test_profiles_stay_sealed_in_dispatch(dispatch_app, feed):
    await feed(seal_profile(caller_keyring(dispatch_app.app.state.settings), uuid4(), PROFILE, datetime.now(UTC)))
    async with dispatch_app.app.state.sessionmaker() as session:
        stored = (await session.execute(text("SELECT row_to_json(p)::text FROM dispatch.caller_profiles p"))).scalars()
        assert all("Wahyuni" not in row and "81234567890" not in row and "asma" not in row for row in stored)


async def test_every_read_is_audited_and_listed_for_supervisors_only(dispatch_app, feed, unique_place,
                                                                      operator_headers):
    alarm = await _alarm(feed, unique_place, uuid4())
    incident = await _incident_of(dispatch_app, operator_headers, alarm.alarm_id)
    for reader in ("op-ani", "op-budi"):
        await dispatch_app.get(f"/v1/incidents/{incident['id']}/callers", headers=operator_headers(subject=reader))
    denied = await dispatch_app.get("/v1/caller-reads", headers=operator_headers())
    assert denied.status_code == 403
    reads = (await dispatch_app.get("/v1/caller-reads", params={"incident_id": incident["id"]},
                                    headers=operator_headers("supervisor"))).json()["items"]
    assert [(r["reader"], r["role"]) for r in reads] == [("op-budi", "operator"), ("op-ani", "operator")]
    first = (await dispatch_app.get("/v1/caller-reads", params={"incident_id": incident["id"], "limit": 1},
                                    headers=operator_headers("supervisor"))).json()
    rest = (await dispatch_app.get("/v1/caller-reads", params={"incident_id": incident["id"], "after": first["next"]},
                                   headers=operator_headers("supervisor"))).json()
    assert [r["reader"] for r in first["items"] + rest["items"]] == ["op-budi", "op-ani"] and rest["next"] is None


async def test_callbacks_are_recorded_on_the_timeline(dispatch_app, feed, unique_place, operator_headers):
    alarm = await _alarm(feed, unique_place, uuid4())
    incident = await _incident_of(dispatch_app, operator_headers, alarm.alarm_id)
    url = f"/v1/incidents/{incident['id']}/callbacks"
    bad = await dispatch_app.post(url, json={"caller_phone": "0812", "outcome": "reached"}, headers=operator_headers())
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "caller_phone"
    bad = await dispatch_app.post(url, json={"caller_phone": "+6281234567890", "outcome": "maybe"},
                                  headers=operator_headers())
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "outcome"
    made = await dispatch_app.post(url, json={"caller_phone": "+6281234567890", "outcome": "no_answer"},
                                   headers=operator_headers(subject="op-citra"))
    assert made.status_code == 201 and made.json()["outcome"] == "no_answer"
    detail = (await dispatch_app.get(f"/v1/incidents/{incident['id']}", headers=operator_headers())).json()
    assert [(n["author"], n["text"]) for n in detail["notes"]] == [
        ("op-citra", "Panggilan balik / call-back: tidak diangkat / no answer")]
    callers = (await dispatch_app.get(f"/v1/incidents/{incident['id']}/callers", headers=operator_headers())).json()
    assert [(c["caller_phone"], c["outcome"]) for c in callers["callbacks"]] == [("+6281234567890", "no_answer")]
    missing = await dispatch_app.post(f"/v1/incidents/{uuid4()}/callbacks",
                                      json={"caller_phone": "+6281234567890", "outcome": "busy"},
                                      headers=operator_headers())
    assert missing.status_code == 404


async def test_duress_puts_the_incident_at_the_top_of_the_queue(dispatch_app, feed, unique_place, operator_headers):
    alarm = await _alarm(feed, unique_place, uuid4())
    await feed(AlarmDuress(alarm_id=alarm.alarm_id, trigger="duress_pin", at=datetime.now(UTC)))
    queue = (await dispatch_app.get("/v1/incidents", headers=operator_headers())).json()["items"]
    incident = next(i for i in queue if str(alarm.alarm_id) in i["alarm_ids"])
    assert incident["duress"] is True and incident["priority"] == 5
    assert queue[0]["priority"] == 5 and queue.index(incident) <= [i["priority"] for i in queue].count(5) - 1
    detail = (await dispatch_app.get(f"/v1/incidents/{incident['id']}", headers=operator_headers())).json()
    assert detail["notes"][-1]["text"].startswith("DURESS")


async def test_five_wrong_pins_escalate_without_calling_it_duress(dispatch_app, feed, unique_place,
                                                                 operator_headers):
    alarm = await _alarm(feed, unique_place, uuid4())
    await feed(AlarmDuress(alarm_id=alarm.alarm_id, trigger="wrong_pins", at=datetime.now(UTC)))
    incident = await _incident_of(dispatch_app, operator_headers, alarm.alarm_id)
    assert incident["priority"] == 5 and incident["duress"] is False
