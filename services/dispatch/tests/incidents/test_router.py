"""Operators working incidents: the queue, actions, conflicts and roles."""

import asyncio
from datetime import timedelta
from uuid import uuid4

from kentongan.security import DEVICE, issue_token


async def _incident_of(client, alarm, headers):
    queue = (await client.get("/v1/incidents", params={"limit": 500}, headers=headers)).json()["items"]
    return next(i for i in queue if str(alarm.alarm_id) in i["alarm_ids"])


async def test_queue_lists_highest_priority_first(dispatch_app, raise_alarm, unique_place, operator_headers):
    ops = operator_headers()
    low = await raise_alarm(*unique_place(), category="other")
    high = await raise_alarm(*unique_place(), category="fire")
    queue = (await dispatch_app.get("/v1/incidents", params={"limit": 500}, headers=ops)).json()["items"]
    ids = [alarm_id for i in queue for alarm_id in i["alarm_ids"]]
    assert ids.index(str(high.alarm_id)) < ids.index(str(low.alarm_id))
    priorities = [i["priority"] for i in queue]
    assert priorities == sorted(priorities, reverse=True)


async def test_the_queue_pages_by_cursor_in_its_priority_order(dispatch_app, raise_alarm, unique_place,
                                                              operator_headers):
    ops = operator_headers()
    for category in ("other", "fire", "medical"):
        await raise_alarm(*unique_place(), category=category)
    whole = (await dispatch_app.get("/v1/incidents", params={"limit": 500}, headers=ops)).json()
    assert whole["next"] is None and len(whole["items"]) >= 3
    walked, after = [], None
    while True:
        page = (await dispatch_app.get("/v1/incidents", params={"limit": 2, **({"after": after} if after else {})},
                                       headers=ops)).json()
        assert len(page["items"]) <= 2
        walked += page["items"]
        if (after := page["next"]) is None:
            break
    assert [i["id"] for i in walked] == [i["id"] for i in whole["items"]]
    bad = await dispatch_app.get("/v1/incidents", params={"after": "WyJ4Il0"}, headers=ops)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor" and "after" in bad.json()["detail"]


async def test_filters_by_category_and_area(dispatch_app, raise_alarm, operator_headers):
    ops = operator_headers()
    alarm = await raise_alarm(-7.0650, 110.4150, category="medical")  # Banyumanik
    found = (await dispatch_app.get("/v1/incidents", params={"category": "medical", "area": "Banyumanik"},
                                    headers=ops)).json()["items"]
    assert any(str(alarm.alarm_id) in i["alarm_ids"] for i in found)
    assert all(i["category"] == "medical" and i["area"] == "Banyumanik" for i in found)


async def test_acknowledge_assign_and_resolve(dispatch_app, raise_alarm, unique_place, operator_headers):
    ops, sup = operator_headers(), operator_headers("supervisor")
    lat, lon = unique_place()
    incident = await _incident_of(dispatch_app, await raise_alarm(lat, lon), ops)
    unit_id = f"TEST-{uuid4().hex[:8]}"
    created = await dispatch_app.post("/v1/units", json={"id": unit_id, "name": "Patroli uji", "lat": lat + 0.001,
                                                          "lon": lon}, headers=sup)
    assert created.status_code == 201
    suggested = (await dispatch_app.get(f"/v1/incidents/{incident['id']}/suggested-units", headers=ops)).json()
    assert suggested[0]["id"] == unit_id and suggested[0]["distance_m"] < 200

    acked = await dispatch_app.post(f"/v1/incidents/{incident['id']}/acknowledge", headers=ops)
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_by"] == "dev-operator"
    blank = await dispatch_app.post(f"/v1/incidents/{incident['id']}/assign", json={"unit_id": "  "}, headers=ops)
    assert blank.status_code == 422 and blank.json()["detail"][0]["field"] == "unit_id"
    assigned = await dispatch_app.post(f"/v1/incidents/{incident['id']}/assign", json={"unit_id": unit_id},
                                       headers=ops)
    assert assigned.json()["status"] == "assigned" and assigned.json()["unit_id"] == unit_id
    units = (await dispatch_app.get("/v1/units", params={"status": "busy"}, headers=ops)).json()["items"]
    assert unit_id in [u["id"] for u in units]
    for status in ("en_route", "on_scene"):
        moved = await dispatch_app.post(f"/v1/incidents/{incident['id']}/status", json={"status": status},
                                        headers=ops)
        assert moved.json()["status"] == status
    no_outcome = await dispatch_app.post(f"/v1/incidents/{incident['id']}/status", json={"status": "resolved"},
                                         headers=ops)
    assert no_outcome.status_code == 409
    resolved = await dispatch_app.post(f"/v1/incidents/{incident['id']}/status",
                                       json={"status": "resolved", "outcome": "pelaku diamankan"}, headers=ops)
    assert resolved.json()["status"] == "resolved"
    shown = await dispatch_app.get(f"/v1/incidents/{incident['id']}", headers=ops)
    assert shown.json()["outcome"] == "pelaku diamankan"  # sealed at rest, opened on the incident's page
    freed = (await dispatch_app.get("/v1/units", params={"status": "available"}, headers=ops)).json()["items"]
    assert unit_id in [u["id"] for u in freed]


async def test_two_operators_acknowledging_at_once_one_wins_one_gets_409(dispatch_app, raise_alarm, unique_place,
                                                                          operator_headers):
    incident = await _incident_of(dispatch_app, await raise_alarm(*unique_place()), operator_headers())
    url = f"/v1/incidents/{incident['id']}/acknowledge"
    first, second = await asyncio.gather(dispatch_app.post(url, headers=operator_headers("operator", "budi")),
                                         dispatch_app.post(url, headers=operator_headers("operator", "sari")))
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["error"] == "invalid_transition"


async def test_stale_version_is_refused_with_409(dispatch_app, raise_alarm, unique_place, operator_headers):
    ops = operator_headers()
    incident = await _incident_of(dispatch_app, await raise_alarm(*unique_place()), ops)
    stale = await dispatch_app.post(f"/v1/incidents/{incident['id']}/acknowledge",
                                    headers={**ops, "If-Match": str(incident["version"] + 5)})
    assert stale.status_code == 409 and stale.json()["error"] == "incident_changed"


async def test_only_supervisors_reassign_and_reopen(dispatch_app, raise_alarm, unique_place, operator_headers):
    ops, sup = operator_headers(), operator_headers("supervisor")
    lat, lon = unique_place()
    incident = await _incident_of(dispatch_app, await raise_alarm(lat, lon), ops)
    first, second = f"TEST-{uuid4().hex[:8]}", f"TEST-{uuid4().hex[:8]}"
    for unit in (first, second):
        await dispatch_app.post("/v1/units", json={"id": unit, "name": unit, "lat": lat, "lon": lon}, headers=sup)
    url = f"/v1/incidents/{incident['id']}"
    await dispatch_app.post(f"{url}/assign", json={"unit_id": first}, headers=ops)
    refused = await dispatch_app.post(f"{url}/assign", json={"unit_id": second}, headers=ops)
    assert refused.status_code == 409 and refused.json()["error"] == "already_assigned"
    reassigned = await dispatch_app.post(f"{url}/assign", json={"unit_id": second}, headers=sup)
    assert reassigned.json()["unit_id"] == second
    await dispatch_app.post(f"{url}/status", json={"status": "resolved", "outcome": "selesai"}, headers=ops)
    assert (await dispatch_app.post(f"{url}/reopen", json={"reason": "x"}, headers=ops)).status_code == 403
    reopened = await dispatch_app.post(f"{url}/reopen", json={"reason": "pelapor menelepon lagi"}, headers=sup)
    assert reopened.json()["status"] == "open"


async def test_device_tokens_and_missing_tokens_are_refused(dispatch_app, settings):
    assert (await dispatch_app.get("/v1/incidents")).status_code == 401
    device = issue_token(settings, subject=str(uuid4()), audience=DEVICE, ttl=timedelta(hours=1))
    refused = await dispatch_app.get("/v1/incidents", headers={"Authorization": f"Bearer {device}"})
    assert refused.status_code == 403
    expired = issue_token(settings, subject="x", audience="kentongan:operator", ttl=timedelta(seconds=-5),
                          roles=["admin"])
    assert (await dispatch_app.get("/v1/incidents", headers={"Authorization": f"Bearer {expired}"})).status_code == 401


async def test_sexual_violence_notes_are_for_supervisors_only(dispatch_app, raise_alarm, unique_place,
                                                              operator_headers):
    alarm = await raise_alarm(*unique_place(), category="sexual_violence", note="pelaku adalah paman saya")
    incident = await _incident_of(dispatch_app, alarm, operator_headers())
    as_operator = (await dispatch_app.get(f"/v1/incidents/{incident['id']}", headers=operator_headers())).json()
    as_supervisor = (await dispatch_app.get(f"/v1/incidents/{incident['id']}",
                                            headers=operator_headers("supervisor"))).json()
    assert as_operator["alarms"][0]["note"] is None
    assert as_supervisor["alarms"][0]["note"] == "pelaku adalah paman saya"


async def test_unknown_incident_is_404_and_bad_input_names_the_field(dispatch_app, operator_headers):
    ops = operator_headers()
    assert (await dispatch_app.get(f"/v1/incidents/{uuid4()}", headers=ops)).status_code == 404
    bad = await dispatch_app.post(f"/v1/incidents/{uuid4()}/status", json={"status": "flying"}, headers=ops)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "status"
    bad_unit = await dispatch_app.post("/v1/units", json={"id": "x", "name": "y", "lat": 100, "lon": 0},
                                       headers=operator_headers("supervisor"))
    assert bad_unit.status_code == 422 and bad_unit.json()["detail"][0]["field"] == "lat"


async def test_notes_and_trail_are_paged_with_cursors(dispatch_app, raise_alarm, unique_place, operator_headers):
    ops = operator_headers()
    lat, lon = unique_place()
    incident = await _incident_of(dispatch_app, await raise_alarm(lat, lon), ops)
    for n in range(5):
        added = await dispatch_app.post(f"/v1/incidents/{incident['id']}/notes", json={"text": f"catatan {n}"},
                                        headers=ops)
        assert added.status_code == 201
    texts, after = [], None
    while True:
        page = (await dispatch_app.get(f"/v1/incidents/{incident['id']}/notes",
                                       params={"limit": 2, **({"after": after} if after else {})},
                                       headers=ops)).json()
        assert len(page["items"]) <= 2
        texts += [note["text"] for note in page["items"]]
        if (after := page["next"]) is None:
            break
    assert texts == [f"catatan {n}" for n in range(5)]
    trail = (await dispatch_app.get(f"/v1/incidents/{incident['id']}/trail", headers=ops)).json()
    assert [(p["lat"], p["lon"]) for p in trail["items"]] == [(lat, lon)] and trail["next"] is None

    refused = await dispatch_app.get(f"/v1/incidents/{incident['id']}/alarms", params={"after": "yesterday"},
                                     headers=ops)
    assert refused.status_code == 400 and "after" in refused.text
