"""The operators' console in a real headless Chromium, against real alarm-gateway, dispatch and cctv-ingest."""

import time
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from kentongan.dev.testing import eventually

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


async def _incident_of(operator, alarm_id: str) -> dict | None:
    queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
    return next((i for i in queue if alarm_id in i["alarm_ids"]), None)


async def _raise(citizens, body: dict) -> None:
    response = await citizens.raise_alarm(body)
    assert response.status_code == 202, response.text


async def test_a_new_alarm_appears_on_the_open_page_within_two_seconds(console, citizens, alarm_body, operator):
    page = await console()
    await page.evaluate("window.notReloaded = true")
    body = alarm_body("violence", note="teriakan minta tolong")

    started = time.monotonic()
    await _raise(citizens, body)

    row = page.locator(f'#queue li[data-alarms~="{body["id"]}"]')
    await row.wait_for(timeout=2000)
    print(f"alarm on the page {time.monotonic() - started:.3f} s after it was raised")
    assert await page.evaluate("window.notReloaded") is True
    assert "fresh" in await row.get_attribute("class")  # the flashing cue for a new alarm
    assert "Kekerasan" in await page.locator("#banner").inner_text()
    for category in ("fire", "medical", "crime"):  # a fuller queue for the screenshot
        extra = alarm_body(category)
        await _raise(citizens, extra)
        await page.locator(f'#queue li[data-alarms~="{extra["id"]}"]').wait_for(timeout=5000)
    priorities = [int(p) for p in await page.locator("#queue li").evaluate_all(
        "rows => rows.map(r => r.dataset.priority)")]
    assert priorities == sorted(priorities, reverse=True)
    await page.keyboard.press("j")  # selects the top of the queue
    top = await page.locator("#queue li").first.get_attribute("data-id")
    await page.locator(f'#queue li.selected[data-id="{top}"]').wait_for()
    await page.locator("#detail-status").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "queue.png")


async def test_acknowledge_and_assign_on_the_page_change_the_incident(
        console, citizens, alarm_body, operator, operator_headers, cctv_url):
    body = alarm_body("crime", note="motor dicuri di depan warung")
    unit_id = f"CONSOLE-{uuid4().hex[:6]}"
    await operator.post("/v1/units", json={"id": unit_id, "name": "Patroli Sektor", "lat": body["lat"] + 0.002,
                                           "lon": body["lon"]}, headers=operator_headers("supervisor"))
    camera_id = await _camera_near(cctv_url, operator_headers("supervisor"), body)
    page = await console()
    await _raise(citizens, body)
    incident = await eventually(lambda: _incident_of(operator, body["id"]))

    await page.locator(f'#queue li[data-id="{incident["id"]}"]').click()
    await page.locator("#detail-status").wait_for()
    await page.keyboard.press("a")
    await _wait_api_status(operator, incident["id"], "acknowledged")
    await page.locator("#detail-status", has_text="diterima").wait_for()
    await page.locator(f'#detail button[data-unit="{unit_id}"]').click()
    assigned = await _wait_api_status(operator, incident["id"], "assigned")
    assert assigned["unit_id"] == unit_id
    await page.keyboard.press("n")
    await page.keyboard.type("unit menuju lokasi, pelapor di warung")
    await page.keyboard.press("Enter")
    await page.locator("#detail .note", has_text="pelapor di warung").wait_for()
    notes = (await operator.get(f"/v1/incidents/{incident['id']}")).json()["notes"]
    assert [n["text"] for n in notes] == ["unit menuju lokasi, pelapor di warung"]
    await page.locator("#detail-unit", has_text=unit_id).wait_for()
    await page.locator("#detail li", has_text=camera_id).wait_for()  # nearby cameras, through dispatch
    await page.screenshot(path=SCREENSHOTS / "incident.png")

    await page.keyboard.press("e")
    await _wait_api_status(operator, incident["id"], "en_route")
    await page.keyboard.press("r")
    await page.keyboard.type("pelaku diamankan, motor kembali")
    await page.keyboard.press("Enter")
    resolved = await _wait_api_status(operator, incident["id"], "resolved")
    assert resolved["outcome"] == "pelaku diamankan, motor kembali"
    await page.locator(f'#queue li[data-id="{incident["id"]}"]').wait_for(state="detached")


async def test_english_and_large_type_for_a_wall_screen(console):
    page = await console()
    await page.locator("#lang").click()
    await page.locator(".queue-panel h2", has_text="Incident queue").wait_for()
    await page.keyboard.press("l")
    assert await page.evaluate("document.body.classList.contains('large')")
    await page.keyboard.press("?")
    await page.locator("#help", has_text="Keyboard shortcuts").wait_for()


async def test_a_second_operator_acting_first_shows_someone_else_acted(console, citizens, alarm_body, operator):
    body = alarm_body("medical")
    await _raise(citizens, body)
    incident = await eventually(lambda: _incident_of(operator, body["id"]))
    # The slow operator's live stream lags (blocked here), so their screen still shows the incident open.
    slow = await console(live=False)
    fast = await console()
    for page in (slow, fast):
        await page.locator(f'#queue li[data-id="{incident["id"]}"]').click()
        await page.locator("#act-ack:enabled").wait_for()

    await fast.locator("#act-ack").click()
    await _wait_api_status(operator, incident["id"], "acknowledged")
    await slow.locator("#act-ack").click()

    await slow.locator("#banner.conflict", has_text="Orang lain sudah bertindak lebih dulu").wait_for()
    await slow.locator("#detail-status", has_text="diterima").wait_for()  # the view refreshed
    acknowledged = (await operator.get(f"/v1/incidents/{incident['id']}")).json()
    assert acknowledged["acknowledged_by"] == "console-fast"


async def test_sensitive_alarm_notes_are_withheld_from_operators_but_not_supervisors(
        console, citizens, alarm_body, operator):
    note = "korban di kamar belakang"
    body = alarm_body("sexual_violence", note=note, silent=True)
    await _raise(citizens, body)
    incident = await eventually(lambda: _incident_of(operator, body["id"]))
    for role, shows_note in (("operator", False), ("supervisor", True)):
        page = await console(role=role)
        await page.locator(f'#queue li[data-id="{incident["id"]}"]').click()
        alarm = page.locator("#detail li.alarm")
        await alarm.wait_for()
        text = await alarm.inner_text()
        assert (note in text) is shows_note
        assert ("Disembunyikan" in text) is not shows_note


async def _wait_api_status(operator, incident_id: str, status: str) -> dict:
    async def reached():
        incident = (await operator.get(f"/v1/incidents/{incident_id}")).json()
        return incident if incident["status"] == status else None

    return await eventually(reached, timeout_s=5)


async def _camera_near(cctv_url: str, headers: dict, body: dict) -> str:
    camera_id = f"CAM-{uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=cctv_url, headers=headers, timeout=10) as client:
        created = await client.post("/v1/cameras", json={
            "id": camera_id, "name": f"Simpang {camera_id[-4:]}", "lat": body["lat"] + 0.001, "lon": body["lon"],
            "stream_url": "rtsp://127.0.0.1:1/none"})
    assert created.status_code == 201, created.text
    return camera_id


pytestmark = pytest.mark.timeout(60)


@pytest.mark.timeout(240)  # 55 alarms and 103 notes to set up first
async def test_load_more_pages_an_incidents_alarms_and_notes(console, citizens, alarm_body, operator):
    """The detail shows a page of each list; "load more" brings the rest, as text, each item once."""
    first = alarm_body("fire")
    await _raise(citizens, first)
    incident = await eventually(lambda: _incident_of(operator, first["id"]))
    for _ in range(54):  # 55 alarms: one more page than the detail's 50
        await _raise(citizens, {**alarm_body("fire"), "lat": first["lat"], "lon": first["lon"]})
    notes = [f"catatan <b>{n}</b>" for n in range(103)]  # 103 notes: more than the detail's latest 100
    for text in notes:
        assert (await operator.post(f"/v1/incidents/{incident['id']}/notes", json={"text": text})).status_code == 201

    async def holds_them():
        detail = (await operator.get(f"/v1/incidents/{incident['id']}")).json()
        return detail["alarm_count"] == 55 and detail

    detail = await eventually(holds_them, timeout_s=30)
    assert detail["alarms_next"] and detail["notes_more"] and not detail["trail_more"]

    page = await console()
    await page.locator(f'#queue li[data-id="{incident["id"]}"]').click()
    await page.locator("#detail li.alarm").first.wait_for()
    assert await page.locator("#detail li.alarm").count() == 50
    assert await page.locator("#detail li.note").count() == 100
    assert await page.locator('button[data-more="trail"]').count() == 0  # nothing more to load there

    await page.click('button[data-more="alarms"]')
    await page.locator("#detail li.alarm").nth(54).wait_for()
    assert await page.locator("#detail li.alarm").count() == 55
    assert await page.locator('button[data-more="alarms"]').count() == 0  # all shown: no more to load
    await page.click('button[data-more="notes"]')
    await page.locator("#detail li.note").nth(102).wait_for()
    texts = await page.locator("#detail li.note > span:first-child").all_inner_texts()
    assert texts == notes  # oldest first, each once, the markup shown as text
    assert await page.locator("#detail li.note b").count() == 0
    assert await page.locator('button[data-more="notes"]').count() == 0
