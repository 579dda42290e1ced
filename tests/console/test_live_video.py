"""Live camera video in the console, in real Chromium: a real RTSP camera (H.264, RTP interleaved over TCP, the
service's default transport) remuxed by a real cctv-ingest process into fragmented MP4, relayed by dispatch,
played in a <video>."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from cctv_ingest.live import tickets
from kentongan.dev.rtspcam import RtspCamera, make_rtsp_clip
from kentongan.dev.testing import eventually
from kentongan.settings import PLACEHOLDER_SECRET

WIDTH, HEIGHT = 640, 360

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def camera(tmp_path_factory):
    clip = make_rtsp_clip(tmp_path_factory.mktemp("live"), width=WIDTH, height=HEIGHT, seconds=4, fps=10, gop=10)
    camera = RtspCamera(clip, transport="tcp").start()
    yield camera
    camera.stop()


async def _incident_of(operator, alarm_id: str) -> dict | None:
    queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
    return next((i for i in queue if alarm_id in i["alarm_ids"]), None)


async def test_the_incident_detail_plays_the_nearest_camera_live_pins_it_stops_it_and_the_map_reopens_it(
        console, citizens, alarm_body, operator, operator_headers, cctv_url, camera):
    body = alarm_body("violence", note="teriakan di gang")
    camera_id = f"LIVE-{uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=cctv_url, headers=operator_headers("supervisor"), timeout=10) as client:
        created = await client.post("/v1/cameras", json={
            # A metre from the caller: the nearest camera whatever the session put nearby before (the demo cameras
            # loaded by cctv-ingest's own tests), so it gets a live tile and is the first camera on the map.
            "id": camera_id, "name": "Gang Pinggir", "lat": body["lat"] + 0.00001, "lon": body["lon"],
            "stream_url": camera.url})
    assert created.status_code == 201, created.text
    page = await console()
    assert (await citizens.raise_alarm(body)).status_code == 202
    incident = await eventually(lambda: _incident_of(operator, body["id"]))
    await page.locator(f'#queue li[data-id="{incident["id"]}"]').click()

    video = page.locator(f'#live-grid .live-tile[data-camera="{camera_id}"] video')
    await video.wait_for(timeout=30_000)  # generous: the detail, the nearby cameras and a ticket on a busy CI machine
    handle = await video.element_handle()
    # It plays: time advances past a second, at the camera's own size.
    await page.wait_for_function("v => v.currentTime > 1.0 && v.videoWidth > 0", arg=handle, timeout=15_000)
    assert await handle.evaluate("v => [v.videoWidth, v.videoHeight]") == [WIDTH, HEIGHT]
    assert camera.viewers == 1

    # Pinned for the wall screen: the same stream moves beside the health table and keeps playing.
    await page.locator(f'#live-grid .live-tile[data-camera="{camera_id}"] button.pin').click()
    pinned = page.locator(f'#pinned .live-tile[data-camera="{camera_id}"]')
    await pinned.wait_for()
    played = await handle.evaluate("v => v.currentTime")
    await page.wait_for_function("([v, t]) => v.currentTime > t + 0.5", arg=[handle, played], timeout=10_000)
    assert camera.viewers == 1

    await pinned.locator("button.close").click()
    await pinned.wait_for(state="detached")
    # The browser's request ended, so dispatch's relay, the viewer and (after 1 s of grace) the upstream did.
    assert await eventually(lambda: _no_viewers(camera), timeout_s=10)
    assert not await page.locator(f'.live-tile[data-camera="{camera_id}"]').count(), "closed stays closed"

    # A click on the camera on the map opens its live view again. Leaflet draws a camera as a circle of
    # radius 5 (incidents 9 or 13, units 7): the path's arc says which. (The click is dispatched on the path:
    # the selected incident's larger circle overlaps it on screen.)
    await page.locator('#map path.leaflet-interactive[d*="a5,5 "]').first.dispatch_event("click")
    reopened = page.locator(f'#live-grid .live-tile[data-camera="{camera_id}"] video')
    await reopened.wait_for(timeout=30_000)
    await page.wait_for_function("v => v.currentTime > 0.5", arg=await reopened.element_handle(), timeout=15_000)
    await page.locator(f'#live-grid .live-tile[data-camera="{camera_id}"] button.close').click()


async def _no_viewers(camera) -> bool:
    return camera.viewers == 0


async def test_an_expired_ticket_is_refused(console, operator_headers, cctv_url, camera):
    camera_id = f"LIVE-{uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=cctv_url, headers=operator_headers("supervisor"), timeout=10) as client:
        await client.post("/v1/cameras", json={"id": camera_id, "name": "Gang", "lat": -6.99, "lon": 110.42,
                                               "stream_url": camera.url})
    expired = tickets.sign(tickets.Ticket(uuid4(), camera_id, "console-fast",
                                          datetime.now(UTC) - timedelta(seconds=1)), PLACEHOLDER_SECRET.encode())
    page = await console()
    answer = await page.evaluate("""async (url) => { const r = await fetch(url);
        return [r.status, (await r.json()).error]; }""", f"/console/cctv/v1/cameras/{camera_id}/live?ticket={expired}")
    assert answer == [403, "live_ticket_refused"]
