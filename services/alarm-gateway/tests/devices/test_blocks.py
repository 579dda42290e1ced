"""A supervisor stops a device's prank alarms: its new presses are refused, nothing else changes, and the block
can be lifted."""

import asyncio

from sqlalchemy import func, select

from alarm_gateway.models import Alarm, outbox


async def _stored(gateway_app_sessionmaker, alarm_id) -> tuple[int, int]:
    async with gateway_app_sessionmaker() as session:
        alarms = await session.scalar(select(func.count()).select_from(Alarm).where(Alarm.id == alarm_id))
        events = await session.scalar(select(func.count()).select_from(outbox)
                                      .where(outbox.c.key == str(alarm_id)))
    return alarms, events


async def test_a_blocked_device_cannot_raise_alarms_until_a_supervisor_unblocks_it(gateway, device, alarm_body,
                                                                                   operator_headers):
    supervisor = operator_headers("supervisor")
    prank = alarm_body()
    assert (await gateway.post("/v1/alarms", json=prank, headers=device)).status_code == 202
    await gateway.post(f"/v1/alarms/{prank['id']}/cancel", json={"reason": "iseng"}, headers=device)

    blocked = await gateway.post("/v1/device-blocks", json={"alarm_id": prank["id"], "reason": "alarm iseng 5x"},
                                 headers=operator_headers("supervisor", subject="spv.budi"))
    assert blocked.status_code == 201, blocked.text
    assert blocked.json()["blocked_by"] == "spv.budi" and blocked.json()["reason"] == "alarm iseng 5x"
    device_id = blocked.json()["device_id"]

    refused_body = alarm_body()
    refused = await gateway.post("/v1/alarms", json=refused_body, headers=device)
    assert refused.status_code == 403
    assert refused.json()["error"] == "device_blocked" and "110" in refused.json()["detail"]
    assert await _stored(gateway.app.state.sessionmaker, refused_body["id"]) == (0, 0)  # no alarm, no event
    # What it raised before stays readable, and a retry of it is still answered (idempotency holds).
    assert (await gateway.get(f"/v1/alarms/{prank['id']}", headers=device)).json()["status"] == "cancelled"
    assert (await gateway.post("/v1/alarms", json=prank, headers=device)).status_code == 202

    listed = await gateway.get("/v1/device-blocks", headers=supervisor)
    assert device_id in [block["device_id"] for block in listed.json()["items"]]

    assert (await gateway.delete(f"/v1/device-blocks/{device_id}", headers=supervisor)).status_code == 204
    assert (await gateway.post("/v1/alarms", json=alarm_body(), headers=device)).status_code == 202
    listed = await gateway.get("/v1/device-blocks", headers=supervisor)
    assert device_id not in [block["device_id"] for block in listed.json()["items"]]
    assert (await gateway.delete(f"/v1/device-blocks/{device_id}", headers=supervisor)).status_code == 404


async def test_simultaneous_presses_of_a_blocked_device_are_all_refused(gateway, device, alarm_body,
                                                                              operator_headers):
    first = alarm_body()
    await gateway.post("/v1/alarms", json=first, headers=device)
    await gateway.post("/v1/device-blocks", json={"alarm_id": first["id"], "reason": "spam"},
                       headers=operator_headers("supervisor"))
    presses = await asyncio.gather(*(gateway.post("/v1/alarms", json=alarm_body(), headers=device)
                                     for _ in range(6)))
    assert {response.status_code for response in presses} == {403}


async def test_only_supervisors_block_devices(gateway, device, alarm_body, operator_headers):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    request = {"alarm_id": body["id"], "reason": "iseng"}
    assert (await gateway.post("/v1/device-blocks", json=request, headers=operator_headers())).status_code == 403
    assert (await gateway.post("/v1/device-blocks", json=request, headers=device)).status_code == 403
    assert (await gateway.post("/v1/device-blocks", json=request)).status_code == 401
    assert (await gateway.get("/v1/device-blocks", headers=device)).status_code == 403
    assert (await gateway.post("/v1/alarms", json=alarm_body(), headers=device)).status_code == 202  # not blocked


async def test_blocking_by_an_unknown_alarm_is_a_404(gateway, alarm_body, operator_headers):
    missing = await gateway.post("/v1/device-blocks", json={"alarm_id": alarm_body()["id"], "reason": "x"},
                                 headers=operator_headers("supervisor"))
    assert missing.status_code == 404
