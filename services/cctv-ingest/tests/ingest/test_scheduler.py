"""A camera's life as the Command Center sees it: online with a snapshot, offline when it dies, back again."""

from kentongan.dev.testing import eventually
from kentongan.events.cctv import CameraHealthChanged
from kentongan.events.topics import CCTV_HEALTH


async def _health(cctv, operator, camera_id):
    camera = (await cctv.get(f"/v1/cameras/{camera_id}", headers=operator)).json()
    return camera["health"] or {"state": "unknown"}


async def _state_is(cctv, operator, camera_id, state):
    health = await _health(cctv, operator, camera_id)
    return health if health["state"] == state else None


async def test_a_camera_goes_online_yields_a_snapshot_then_offline_and_back(cctv, admin, operator, camera_body,
                                                                            fake_camera, events):
    camera = fake_camera()
    body = camera_body(stream_url=camera.url, enabled=True)
    assert (await cctv.post("/v1/cameras", json=body, headers=admin)).status_code == 201
    online = await eventually(lambda: _state_is(cctv, operator, body["id"], "online"))
    assert (online["codec"], online["width"], online["height"]) == ("h264", 320, 180)
    assert online["fps"] == 10.0 and online["consecutive_failures"] == 0
    snapshot = await cctv.get(f"/v1/cameras/{body['id']}/snapshot", headers=operator)
    assert snapshot.status_code == 200 and snapshot.headers["content-type"] == "image/jpeg"
    assert snapshot.content[:2] == b"\xff\xd8"  # a JPEG

    camera.stop()
    offline = await eventually(lambda: _state_is(cctv, operator, body["id"], "offline"))
    assert offline["consecutive_failures"] >= 2 and "Connection refused" in offline["last_error"]
    camera.start()
    await eventually(lambda: _state_is(cctv, operator, body["id"], "online"))

    def back_online(found) -> bool:
        return any(e.data.previous_state == "offline" and e.data.state == "online" for e in found)

    changes = await events(CCTV_HEALTH, lambda e: isinstance(e, CameraHealthChanged) and e.camera_id == body["id"],
                           done=back_online)
    states = [(e.data.previous_state, e.data.state) for e in changes]
    assert states[0] == ("unknown", "online")
    assert ("degraded", "offline") in states  # after the grace period
    assert states[-1] == ("offline", "online") and all(e.data.kecamatan == "Semarang Selatan" for e in changes)


async def test_a_hung_camera_does_not_delay_the_others(cctv, admin, operator, camera_body, fake_camera):
    hung, healthy = fake_camera(), fake_camera()
    hung.hang()  # accepts connections, never answers: each read of it waits out the timeouts
    hung_body = camera_body(stream_url=hung.url, enabled=True)
    healthy_bodies = [camera_body(stream_url=healthy.url, enabled=True) for _ in range(3)]
    for body in [hung_body, *healthy_bodies]:
        await cctv.post("/v1/cameras", json=body, headers=admin)
    for body in healthy_bodies:
        await eventually(lambda body=body: _state_is(cctv, operator, body["id"], "online"))
    first = (await _health(cctv, operator, healthy_bodies[0]["id"]))["last_checked_at"]
    await eventually(lambda: _checked_after(cctv, operator, healthy_bodies[0]["id"], first))
    # The healthy cameras were read again and again while the hung one's first read was still waiting.
    assert (await _health(cctv, operator, hung_body["id"]))["state"] == "unknown"
    hung_health = await eventually(lambda: _state_is(cctv, operator, hung_body["id"], "offline"))
    assert "exit" in hung_health["last_error"].lower() or "timed out" in hung_health["last_error"].lower()


async def _checked_after(cctv, operator, camera_id, earlier):
    return (await _health(cctv, operator, camera_id))["last_checked_at"] > earlier


async def test_health_counts_cameras_by_state_and_by_kecamatan(cctv, admin, operator, camera_body, fake_camera):
    live = camera_body(stream_url=fake_camera().url, enabled=True, lat=-7.0800, lon=110.3700)  # Gunungpati
    dead = camera_body(stream_url="http://user:pw@127.0.0.1:9/dead.ts", enabled=True, lat=-7.0800, lon=110.3700)
    before = (await cctv.get("/v1/cameras/health", headers=operator)).json()
    for body in (live, dead):
        await cctv.post("/v1/cameras", json=body, headers=admin)
    await eventually(lambda: _state_is(cctv, operator, live["id"], "online"))
    dead_health = await eventually(lambda: _state_is(cctv, operator, dead["id"], "offline"))
    assert "pw" not in dead_health["last_error"]
    after = (await cctv.get("/v1/cameras/health", headers=operator)).json()
    area_before = before["by_kecamatan"].get("Gunungpati", {})
    area_after = after["by_kecamatan"]["Gunungpati"]
    assert area_after.get("online", 0) >= area_before.get("online", 0) + 1
    assert area_after.get("offline", 0) >= area_before.get("offline", 0) + 1
    assert after["total"] == sum(after["by_state"].values()) >= before["total"] + 2


async def test_a_high_priority_camera_is_read_continuously_until_its_priority_drops(cctv, admin, operator,
                                                                                   camera_body, fake_camera):
    scheduler = cctv.app.state.scheduler
    body = camera_body(stream_url=fake_camera().url, enabled=True, priority=10)
    await cctv.post("/v1/cameras", json=body, headers=admin)
    await eventually(lambda: _async(body["id"] in scheduler.streamed))
    await eventually(lambda: _state_is(cctv, operator, body["id"], "online"))
    await cctv.patch(f"/v1/cameras/{body['id']}", json={"priority": 1}, headers=admin)
    await eventually(lambda: _async(body["id"] not in scheduler.streamed))
    checked = (await _health(cctv, operator, body["id"]))["last_checked_at"]
    await eventually(lambda: _checked_after(cctv, operator, body["id"], checked))  # polled again instead


async def _async(value):
    return value
