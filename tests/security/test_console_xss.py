"""Hostile names in every field the console shows, in a real Chromium: no script runs, the text shows as text.

Each payload sets `window.__pwned` if the page ever parses it as HTML. The fields are filled the way an
attacker could fill them: through the public APIs (unit and camera names, a camera's kecamatan, an alarm's
note, an operator's note, a token's subject), through events on the bus (a report's category, a snapshot's
camera id and URL), and straight in dispatch's database (an incident's area) for what no API lets through.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import text

from kentongan.db import create_engine
from kentongan.dev.testing import eventually
from kentongan.events import Envelope, encode
from kentongan.events.cctv import SnapshotCaptured
from kentongan.events.reports import ReportUrgent
from kentongan.kafka import create_producer
from kentongan.security import operator_token

IMG = "<img src=x onerror=__pwned=1>"  # 29 characters: fits the narrowest column (a category, 32)
SCRIPT = "<script>__pwned=1</script>"

# Records what the page's Content-Security-Policy blocked, before any of the page's own scripts run.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""

# Hover every marker on the map (incidents, units, cameras) and read the tooltip each one opens.
HOVER_MARKERS = """
() => [...document.querySelectorAll("#map path.leaflet-interactive")].map((path) => {
  path.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
  const shown = document.querySelector(".leaflet-tooltip-pane").textContent;
  path.dispatchEvent(new MouseEvent("mouseout", { bubbles: true }));
  return shown;
})
"""


def hostile(tag: str) -> str:
    return f"{IMG}{SCRIPT}{tag}"


async def test_hostile_names_everywhere_render_as_text_and_run_nothing(
        browser, dispatch_url, cctv_url, settings, citizens, alarm_body, operator, operator_headers):
    body = alarm_body("crime", note=hostile("note"))
    unit_name, camera_name, kecamatan = hostile("unit"), hostile("camera"), hostile("kecamatan")
    await _unit_near(operator, operator_headers("supervisor"), body, unit_name)
    await _camera_near(cctv_url, operator_headers("supervisor"), body, camera_name, kecamatan)
    assert (await citizens.raise_alarm(body)).status_code == 202
    incident = await eventually(lambda: _incident_of(operator, body["id"]))
    acting = hostile("op")
    acting_headers = {"Authorization": f"Bearer {operator_token(settings, 'operator', acting)}"}
    path = f"/v1/incidents/{incident['id']}"
    assert (await operator.post(f"{path}/acknowledge", headers=acting_headers)).is_success
    assert (await operator.post(f"{path}/notes", json={"text": hostile("written")},
                                headers=acting_headers)).status_code == 201
    area = hostile("area")
    await _set_area(settings, incident["id"], area)
    offsite = "http://snapshots.evil.invalid/steal"
    snapshot = SnapshotCaptured(camera_id=hostile("cam"), incident_id=incident["id"], blob_ref="x",
                                snapshot_url=offsite, captured_at=datetime.now(UTC), distance_m=5)
    await _publish(settings, snapshot)

    page, requests = await _console(browser, dispatch_url, settings)
    category = f"{IMG}c"
    report = ReportUrgent(report_id=uuid4(), category=category, lat=body["lat"] + 0.02, lon=body["lon"],
                          reported_at=datetime.now(UTC))
    await _publish(settings, report)  # arrives live: the banner, the queue row, the marker
    await page.locator("#banner", has_text=category).wait_for()
    await page.locator(f'#queue li[data-id="{incident["id"]}"]').click()
    await page.locator("#detail .note").wait_for()
    await page.locator("#detail figure").wait_for()
    await page.locator("#health td", has_text=kecamatan).wait_for()
    tooltips = await page.evaluate(HOVER_MARKERS)
    await page.locator("#lang").click()  # everything is drawn again in the other language
    await page.locator("#detail .note").wait_for()
    await page.wait_for_timeout(1000)  # a broken image's onerror fires asynchronously

    assert await page.evaluate("window.__pwned") is None
    shown = await page.locator("body").inner_text()
    for value in (body["note"], hostile("written"), acting, area, category, unit_name, camera_name, kecamatan,
                  hostile("cam")):
        assert value in shown, value
    hovered = " ".join(tooltips)
    for value in (unit_name, camera_name, category):
        assert value in hovered, value
    assert not [url for url in requests if "evil.invalid" in url]  # the operator's token stays home
    assert await page.evaluate("window.__cspViolations") == []
    assert await page.locator("#queue li").count() >= 2


async def _console(browser, dispatch_url: str, settings):
    context = await browser.new_context(viewport={"width": 1600, "height": 900}, locale="id-ID")
    context.set_default_timeout(10_000)
    await context.add_init_script(WATCH_CSP)
    page = await context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(f"{dispatch_url}/console")
    await page.fill("#token", operator_token(settings, "operator", "xss-watcher"))
    await page.click("#signin-form button[type=submit]")
    await page.locator('#live[data-state="on"]').wait_for()
    return page, requests


async def _incident_of(operator: httpx.AsyncClient, alarm_id: str) -> dict | None:
    queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
    return next((i for i in queue if alarm_id in i["alarm_ids"]), None)


async def _unit_near(operator: httpx.AsyncClient, headers: dict, body: dict, name: str) -> None:
    created = await operator.post("/v1/units", headers=headers, json={
        "id": f"XSS-{uuid4().hex[:6]}", "name": name, "lat": body["lat"] + 0.001, "lon": body["lon"]})
    assert created.status_code == 201, created.text


async def _camera_near(cctv_url: str, headers: dict, body: dict, name: str, kecamatan: str) -> None:
    async with httpx.AsyncClient(base_url=cctv_url, headers=headers, timeout=10) as client:
        created = await client.post("/v1/cameras", json={
            "id": f"CAM-XSS-{uuid4().hex[:6]}", "name": name, "kecamatan": kecamatan,
            "lat": body["lat"] - 0.001, "lon": body["lon"], "stream_url": "rtsp://127.0.0.1:1/none"})
    assert created.status_code == 201, created.text


async def _set_area(settings, incident_id: str, area: str) -> None:
    engine = create_engine(settings.database_url, 1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE dispatch.incidents SET area = :area WHERE id = :id"),
                               {"area": area, "id": UUID(incident_id)})
    finally:
        await engine.dispose()


async def _publish(settings, event) -> None:
    message = encode(Envelope.wrap(event, "/test"))
    producer = create_producer(settings, "test-security")
    await producer.start()
    try:
        await producer.send_and_wait(event.topic, message.value, key=message.key.encode(),
                                     headers=list(message.headers.items()))
    finally:
        await producer.stop()


pytestmark = pytest.mark.timeout(180)
