"""The mobile app's view of alarms: raise once, retry safely, only its own, clear errors."""

import asyncio
from uuid import uuid4

from sqlalchemy import text


async def test_raise_returns_202_and_the_alarm_is_readable(gateway, device, alarm_body):
    body = alarm_body()
    response = await gateway.post("/v1/alarms", json=body, headers=device)
    assert response.status_code == 202
    assert response.json()["id"] == body["id"] and response.json()["status"] == "received"
    status = await gateway.get(f"/v1/alarms/{body['id']}", headers=device)
    assert status.status_code == 200
    assert [step["status"] for step in status.json()["timeline"]] == ["received"]


async def test_retried_post_returns_the_same_alarm_not_a_second_one(gateway, device, alarm_body):
    body = alarm_body()
    first = await gateway.post("/v1/alarms", json=body, headers=device)
    second = await gateway.post("/v1/alarms", json=body, headers=device)
    assert first.json()["id"] == second.json()["id"] == body["id"]
    listed = await gateway.get("/v1/alarms", headers=device)
    assert [a["id"] for a in listed.json()["items"]] == [body["id"]]


async def test_repeated_presses_within_the_window_merge_into_one_alarm(gateway, device, alarm_body):
    first = await gateway.post("/v1/alarms", json=alarm_body(), headers=device)
    again = await gateway.post("/v1/alarms", json=alarm_body(), headers=device)
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["press_count"] == 2


async def test_presses_at_the_same_moment_still_make_one_alarm(gateway, device, alarm_body):
    # They arrive together, so they are written in one group commit (and across commits under the device lock).
    presses = await asyncio.gather(*(gateway.post("/v1/alarms", json=alarm_body(), headers=device)
                                     for _ in range(8)))
    assert {response.status_code for response in presses} == {202}
    assert len({response.json()["id"] for response in presses}) == 1
    listed = await gateway.get("/v1/alarms", headers=device)
    assert len(listed.json()["items"]) == 1 and listed.json()["items"][0]["press_count"] == 8


async def test_simultaneous_retries_of_one_alarm_store_it_once(gateway, device, alarm_body):
    body = alarm_body()
    retries = await asyncio.gather(*(gateway.post("/v1/alarms", json=body, headers=device) for _ in range(5)))
    assert {response.json()["id"] for response in retries} == {body["id"]}
    listed = await gateway.get("/v1/alarms", headers=device)
    assert [(a["id"], a["press_count"]) for a in listed.json()["items"]] == [(body["id"], 1)]


async def test_a_device_pages_through_its_alarms_newest_first(gateway, device, alarm_body):
    raised = []
    for _ in range(3):  # each cancelled before the next press, so each press is an alarm of its own
        body = alarm_body()
        assert (await gateway.post("/v1/alarms", json=body, headers=device)).status_code == 202
        await gateway.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": "uji"}, headers=device)
        raised.append(body["id"])
    first = (await gateway.get("/v1/alarms", params={"limit": 2}, headers=device)).json()
    assert [a["id"] for a in first["items"]] == raised[:0:-1] and first["next"]
    second = (await gateway.get("/v1/alarms", params={"limit": 2, "after": first["next"]}, headers=device)).json()
    assert [a["id"] for a in second["items"]] == raised[:1] and second["next"] is None
    bad = await gateway.get("/v1/alarms", params={"after": "x"}, headers=device)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor" and "after" in bad.json()["detail"]


async def test_many_devices_at_once_each_get_their_own_alarm(gateway, alarm_body):
    devices = await asyncio.gather(*(gateway.post("/v1/devices", json={"platform": "ios"}) for _ in range(12)))
    headers = [{"Authorization": f"Bearer {d.json()['token']}"} for d in devices]
    bodies = [alarm_body() for _ in headers]
    raised = await asyncio.gather(*(gateway.post("/v1/alarms", json=b, headers=h) for b, h in zip(bodies, headers, strict=False)))
    assert [r.json()["id"] for r in raised] == [b["id"] for b in bodies]
    for body, device in zip(bodies, headers, strict=False):
        assert (await gateway.get(f"/v1/alarms/{body['id']}", headers=device)).status_code == 200


async def test_an_alarm_id_used_by_another_device_is_a_conflict_and_changes_nothing(gateway, device, alarm_body):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    other = await gateway.post("/v1/devices", json={"platform": "android"})
    stolen = await gateway.post("/v1/alarms", json=body | {"lat": 0.0},
                                headers={"Authorization": f"Bearer {other.json()['token']}"})
    assert stolen.status_code == 409 and stolen.json()["error"] == "alarm_id_taken"
    assert (await gateway.get(f"/v1/alarms/{body['id']}", headers=device)).json()["lat"] == body["lat"]


async def test_a_device_cannot_see_another_devices_alarm(gateway, device, alarm_body):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    other = await gateway.post("/v1/devices", json={})
    other_headers = {"Authorization": f"Bearer {other.json()['token']}"}
    for method, path, payload in [("GET", "", None), ("POST", "/cancel", {"reason": "x"}),
                                  ("POST", "/locations", {"lat": 0, "lon": 0, "accuracy_m": 1})]:
        response = await gateway.request(method, f"/v1/alarms/{body['id']}{path}", json=payload,
                                         headers=other_headers)
        assert response.status_code == 404, (method, path)
    reused = await gateway.post("/v1/alarms", json=body, headers=other_headers)
    assert reused.status_code == 409


async def test_calls_without_a_device_token_are_refused(gateway, alarm_body):
    assert (await gateway.post("/v1/alarms", json=alarm_body())).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await gateway.get(f"/v1/alarms/{uuid4()}", headers=bad)).status_code == 401


async def test_location_updates_follow_the_caller_until_cancelled(gateway, device, alarm_body):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    moved = await gateway.post(f"/v1/alarms/{body['id']}/locations",
                               json={"lat": -6.99, "lon": 110.42, "accuracy_m": 5}, headers=device)
    assert moved.status_code == 202 and moved.json()["lat"] == -6.99
    reason = f"salah pencet {uuid4().hex[:8]}"
    cancelled = await gateway.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": reason}, headers=device)
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == reason  # the caller's own view, opened
    assert await _stored_cancel(gateway, body["id"], reason) == (True, False)  # sealed in the row and the event
    late = await gateway.post(f"/v1/alarms/{body['id']}/locations",
                              json={"lat": -6.99, "lon": 110.42, "accuracy_m": 5}, headers=device)
    assert late.status_code == 409


async def test_bad_input_names_the_field(gateway, device, alarm_body):
    cases = {
        "lat": alarm_body(lat=91), "lon": alarm_body(lon="east"), "category": alarm_body(category="alien"),
        "id": alarm_body(id="123"), "accuracy_m": alarm_body(accuracy_m=-1),
    }
    for field, body in cases.items():
        response = await gateway.post("/v1/alarms", json=body, headers=device)
        assert response.status_code == 422
        assert response.json()["error"] == "validation_error"
        assert field in [d["field"] for d in response.json()["detail"]], field
    missing = {k: v for k, v in alarm_body().items() if k != "category"}
    assert (await gateway.post("/v1/alarms", json=missing, headers=device)).json()["detail"][0]["field"] == "category"
    broken = await gateway.post("/v1/alarms", content=b"{not json", headers={**device, "content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"][0]["field"] == "body"


async def test_oversize_body_is_413(gateway, device, alarm_body):
    body = alarm_body(note="x" * 200_000)
    response = await gateway.post("/v1/alarms", json=body, headers=device)
    assert response.status_code == 413


async def test_a_device_past_its_rate_limit_gets_429_with_retry_after(gateway, device, alarm_body):
    limiter = gateway.app.state.device_limiter
    # The limit plus one, and one more: a sliding-window counter crossing a minute boundary lets one extra through.
    responses = [await gateway.get("/v1/alarms", headers=device) for _ in range(limiter._limit + 2)]
    assert responses[0].status_code == 200 and responses[-1].status_code == 429
    assert 1 <= int(responses[-1].headers["retry-after"]) <= 60 and responses[-1].json()["error"] == "rate_limited"


async def test_why_a_violence_alarm_was_cancelled_is_kept_out_of_every_record(gateway, device, alarm_body):
    """A victim's words, possibly coerced: neither the alarm row nor the event to dispatch holds them."""
    body = alarm_body(category="sexual_violence")
    await gateway.post("/v1/alarms", json=body, headers=device)
    secret = f"dia ada di sini {uuid4().hex[:8]}"
    cancelled = await gateway.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": secret}, headers=device)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] is None
    assert await _stored_cancel(gateway, body["id"], secret) == (False, False)


async def _stored_cancel(gateway, alarm_id: str, reason: str) -> tuple[bool, bool]:
    """(whether the alarm row holds a sealed reason, whether the reason is in clear in the row or its event)."""
    async with gateway.app.state.sessionmaker() as session:
        stored = (await session.execute(text(
            "SELECT a.cancel_reason_sealed, o.value FROM alarm_gateway.alarms a JOIN alarm_gateway.outbox o"
            " ON o.key = a.id::text AND o.event_type = 'kentongan.alarm.cancelled' WHERE a.id = :id"),
            {"id": alarm_id})).one()
    sealed = stored.cancel_reason_sealed or b""
    return bool(sealed), reason.encode() in sealed or reason.encode() in stored.value
