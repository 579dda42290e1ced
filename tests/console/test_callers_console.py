"""The caller card in a real headless Chromium: name and phone as text, a tel: link, call-back buttons that
record the attempt, and a DURESS banner when the caller is forced to cancel."""

import secrets

import httpx
import pytest

from kentongan.dev.testing import eventually


@pytest.fixture
async def caller(gateway_url):
    """A device whose owner gave a profile (a name that looks like markup: it must show as text) and PINs."""
    phone = f"+62812{10**7 + secrets.randbelow(9 * 10**7)}"
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
        registered = (await client.post("/v1/devices", json={})).json()
        client.headers["Authorization"] = f"Bearer {registered['token']}"
        profile = {"name": "Sri <b>Wahyuni</b>", "phone": phone, "medical_notes": "asma <script>x</script>",
                   "emergency_contacts": [{"name": "Budi", "phone": "+6281311112222", "relation": "suami"}]}
        assert (await client.put("/v1/devices/me/profile", json=profile)).status_code == 200
        assert (await client.put("/v1/devices/me/pins", json={"cancel_pin": "2468", "duress_pin": "1357"})
                ).status_code == 200
        client.phone = phone
        yield client


async def test_the_caller_card_calls_back_and_shows_duress(console, caller, alarm_body, operator):
    body = alarm_body("medical", battery_pct=11)
    page = await console()
    assert (await caller.post("/v1/alarms", json=body)).status_code == 202

    async def incident():
        queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
        return next((i for i in queue if body["id"] in i["alarm_ids"]), None)

    incident_id = (await eventually(incident))["id"]

    async def profile_arrived():
        callers = (await operator.get(f"/v1/incidents/{incident_id}/callers")).json()["callers"]
        return callers and callers[0]["name"]

    await eventually(profile_arrived, timeout_s=30)
    await page.locator(f'#queue li[data-id="{incident_id}"]').click()
    card = page.locator(f'#detail li.caller[data-alarm="{body["id"]}"]')
    await card.wait_for()
    assert await card.locator(".caller-name").inner_text() == "Sri <b>Wahyuni</b>"  # text, never markup
    assert await card.locator("b, script").count() == 0
    link = card.locator(".caller-head a.tel")
    assert await link.get_attribute("href") == f"tel:{caller.phone}" and await link.inner_text() == caller.phone
    assert "Baterai 11%" in await card.inner_text() and "asma <script>x</script>" in await card.inner_text()
    assert await card.locator('.contacts a[href="tel:+6281311112222"]').count() == 1

    await card.locator('button[data-outcome="no_answer"]').click()
    await page.locator("#callbacks li", has_text="Tidak diangkat").wait_for()
    callbacks = (await operator.get(f"/v1/incidents/{incident_id}/callers")).json()["callbacks"]
    assert [(c["caller_phone"], c["outcome"], c["operator"]) for c in callbacks] == [
        (caller.phone, "no_answer", "console-fast")]
    await page.locator("#detail .note", has_text="Panggilan balik").wait_for()

    assert await page.locator("#duress-banner").count() == 0
    forced = await caller.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": "salah tekan", "pin": "1357"})
    assert forced.json()["status"] == "cancelled"
    await page.locator("#duress-banner", has_text="DURESS").wait_for(timeout=15_000)
    await page.locator(f'#queue li[data-id="{incident_id}"] .duress-tag').wait_for()
    assert await page.locator(f'#queue li[data-id="{incident_id}"]').get_attribute("data-priority") == "5"
