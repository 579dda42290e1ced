"""Patrol units through dispatch's API: supervisors register them (again by call sign: fleet sync), operators
report where they are and whether they are on duty, a unit on an incident keeps its duty status, and the nearest
available units are suggested first."""

from uuid import uuid4

from dispatch.units import service
from kentongan.db import unit_of_work


def _call_sign() -> str:
    return f"UNIT-{uuid4().hex[:8]}"


async def test_only_supervisors_register_units_and_registering_again_updates_the_unit(dispatch_app,
                                                                                      operator_headers):
    ops, sup = operator_headers(), operator_headers("supervisor")
    unit = {"id": _call_sign(), "name": "Patroli Tugu 1", "lat": -6.975, "lon": 110.33}
    refused = await dispatch_app.post("/v1/units", json=unit, headers=ops)
    assert refused.status_code == 403

    first = await dispatch_app.post("/v1/units", json=unit, headers=sup)
    again = await dispatch_app.post("/v1/units", json={**unit, "name": "Patroli Tugu 1 (baru)", "kind": "motorbike"},
                                    headers=sup)
    assert (first.status_code, again.status_code) == (201, 201)
    listed = (await dispatch_app.get("/v1/units", headers=ops)).json()["items"]
    mine = [u for u in listed if u["id"] == unit["id"]]
    assert [(u["name"], u["kind"], u["status"]) for u in mine] == [("Patroli Tugu 1 (baru)", "motorbike",
                                                                     "available")]


async def test_a_bad_call_sign_or_position_is_a_422_naming_the_field(dispatch_app, operator_headers):
    sup = operator_headers("supervisor")
    bad = await dispatch_app.post("/v1/units", json={"id": "no spaces", "name": "x", "lat": -7, "lon": 110.4},
                                  headers=sup)
    assert bad.status_code == 422 and "id" in bad.text
    off_the_map = await dispatch_app.patch(f"/v1/units/{_call_sign()}", json={"lat": 91, "lon": 0},
                                           headers=operator_headers())
    assert off_the_map.status_code == 422 and "lat" in off_the_map.text


async def test_operators_move_a_unit_and_take_it_off_duty_but_an_unknown_one_is_a_404(dispatch_app,
                                                                                     operator_headers):
    ops, sup = operator_headers(), operator_headers("supervisor")
    call_sign = _call_sign()
    await dispatch_app.post("/v1/units", json={"id": call_sign, "name": "Patroli", "lat": -7.0, "lon": 110.4},
                            headers=sup)
    moved = await dispatch_app.patch(f"/v1/units/{call_sign}", json={"lat": -7.01, "lon": 110.41,
                                                                     "status": "off_duty"}, headers=ops)
    assert moved.status_code == 200
    assert (moved.json()["lat"], moved.json()["lon"], moved.json()["status"]) == (-7.01, 110.41, "off_duty")
    off_duty = (await dispatch_app.get("/v1/units", params={"status": "off_duty"}, headers=ops)).json()["items"]
    assert call_sign in [u["id"] for u in off_duty]

    unknown = await dispatch_app.patch(f"/v1/units/{_call_sign()}", json={"status": "available"}, headers=ops)
    assert unknown.status_code == 404 and unknown.json()["error"] == "unit_not_found"


async def test_a_unit_on_an_incident_reports_its_position_but_cannot_go_off_duty(dispatch_app, raise_alarm,
                                                                               unique_place, operator_headers):
    ops, sup = operator_headers(), operator_headers("supervisor")
    lat, lon = unique_place()
    alarm = await raise_alarm(lat, lon)
    incident = (await dispatch_app.get("/v1/incidents", params={"alarm_id": str(alarm.alarm_id)},
                                       headers=ops)).json()["items"][0]
    call_sign = _call_sign()
    await dispatch_app.post("/v1/units", json={"id": call_sign, "name": "Patroli", "lat": lat, "lon": lon},
                            headers=sup)
    assigned = await dispatch_app.post(f"/v1/incidents/{incident['id']}/assign", json={"unit_id": call_sign},
                                       headers=ops)
    assert assigned.status_code == 200

    refused = await dispatch_app.patch(f"/v1/units/{call_sign}", json={"status": "off_duty"}, headers=ops)
    assert refused.status_code == 409 and refused.json()["error"] == "unit_unavailable"
    moved = await dispatch_app.patch(f"/v1/units/{call_sign}", json={"lat": lat + 0.001, "lon": lon},
                                     headers=ops)
    assert moved.status_code == 200 and moved.json()["status"] == "busy"
    assert moved.json()["incident_id"] == incident["id"]


async def test_the_nearest_available_units_come_first_and_busy_or_off_duty_ones_not_at_all(dispatch_app,
                                                                                          unique_place,
                                                                                          operator_headers):
    sup = operator_headers("supervisor")
    lat, lon = unique_place()
    near, far, resting = _call_sign(), _call_sign(), _call_sign()
    for call_sign, offset, status in ((far, 0.004, "available"), (near, 0.001, "available"),
                                      (resting, 0.0, "off_duty")):
        await dispatch_app.post("/v1/units", json={"id": call_sign, "name": call_sign, "lat": lat + offset,
                                                   "lon": lon, "status": status}, headers=sup)
    async with unit_of_work(dispatch_app.app.state.sessionmaker) as session:
        suggested = await service.nearest_available(session, lat, lon, limit=10_000)  # whatever other tests left
    ours = [unit for unit in suggested if unit.id in (near, far, resting)]
    assert [unit.id for unit in ours] == [near, far]
    assert 100 < ours[0].distance_m < 120 < ours[1].distance_m
