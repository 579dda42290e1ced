"""The most important flow: a citizen presses the panic button and the Command Center handles it live."""

from uuid import uuid4

from kentongan.dev.testing import eventually


async def _incident_with(operator, alarm_id: str) -> dict | None:
    queue = (await operator.get("/v1/incidents", params={"limit": 500, "status": [
        "open", "acknowledged", "assigned", "en_route", "on_scene", "resolved", "cancelled"]})).json()["items"]
    return next((i for i in queue if alarm_id in i["alarm_ids"]), None)


async def _alarm_status(citizen, alarm_id: str) -> str:
    return (await citizen.get(f"/v1/alarms/{alarm_id}")).json()["status"]


async def test_alarm_reaches_the_operator_live_and_the_citizen_sees_each_step(citizen, operator, sse, alarm_body,
                                                                             operator_headers):
    body = alarm_body("violence", note="suara teriakan dari rumah sebelah")
    async with sse() as stream:
        raised = await citizen.post("/v1/alarms", json=body)
        assert raised.status_code == 202
        opened = await eventually(lambda: _async(stream.about_alarm(body["id"])), timeout_s=10)
        assert opened[0]["type"] == "kentongan.incident.opened"
    incident = await eventually(lambda: _incident_with(operator, body["id"]))
    assert incident["status"] == "open" and incident["category"] == "violence"
    assert await eventually(lambda: _has_incident(citizen, body["id"]))

    unit_id = f"E2E-{uuid4().hex[:6]}"
    created = await operator.post("/v1/units", json={"id": unit_id, "name": "Patroli E2E", "lat": body["lat"],
                                                     "lon": body["lon"]}, headers=operator_headers("supervisor"))
    assert created.status_code == 201
    steps = [
        ("acknowledge", None, "acknowledged"),
        ("assign", {"unit_id": unit_id}, "unit_dispatched"),
        ("status", {"status": "on_scene"}, "unit_dispatched"),
        ("status", {"status": "resolved", "outcome": "korban aman, pelaku diamankan"}, "resolved"),
    ]
    for action, payload, citizen_status in steps:
        response = await operator.post(f"/v1/incidents/{incident['id']}/{action}", json=payload)
        assert response.status_code == 200, response.text
        await eventually(lambda status=citizen_status: _status_is(citizen, body["id"], status))
    timeline = (await citizen.get(f"/v1/alarms/{body['id']}")).json()["timeline"]
    assert [t["status"] for t in timeline] == ["received", "acknowledged", "unit_dispatched", "resolved"]


async def test_a_cancelled_alarm_closes_its_unhandled_incident(citizen, operator, alarm_body):
    body = alarm_body()
    await citizen.post("/v1/alarms", json=body)
    await eventually(lambda: _incident_with(operator, body["id"]))
    await citizen.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": "sudah aman"})
    incident = await eventually(lambda: _incident_status(operator, body["id"], "cancelled"))
    detail = (await operator.get(f"/v1/incidents/{incident['id']}")).json()  # the outcome is opened there
    assert detail["outcome"].endswith("sudah aman")


async def test_live_location_reaches_the_operator(citizen, operator, alarm_body):
    body = alarm_body()
    await citizen.post("/v1/alarms", json=body)
    incident = await eventually(lambda: _incident_with(operator, body["id"]))
    moved = {"lat": body["lat"] + 0.0005, "lon": body["lon"], "accuracy_m": 4}
    assert (await citizen.post(f"/v1/alarms/{body['id']}/locations", json=moved)).status_code == 202

    async def trail_has_two_points():
        detail = (await operator.get(f"/v1/incidents/{incident['id']}")).json()
        return len(detail["trail"]) == 2 and detail["lat"] == moved["lat"]

    await eventually(trail_has_two_points)


async def _async(value):
    return value


async def _has_incident(citizen, alarm_id: str) -> bool:
    return (await citizen.get(f"/v1/alarms/{alarm_id}")).json()["incident_id"] is not None


async def _status_is(citizen, alarm_id: str, status: str) -> bool:
    return await _alarm_status(citizen, alarm_id) == status


async def _incident_status(operator, alarm_id: str, status: str) -> dict | None:
    incident = await _incident_with(operator, alarm_id)
    return incident if incident and incident["status"] == status else None
