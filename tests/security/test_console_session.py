"""The console's session in a real Chromium: the stream ends with its token; the page asks for a new one."""

from datetime import timedelta

import pytest

from kentongan.security import operator_token

TTL = timedelta(seconds=6)


async def test_an_expired_token_ends_the_live_view_and_a_fresh_one_brings_it_back(
        browser, dispatch_url, settings):
    context = await browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        page = await context.new_page()
        streams: list[str] = []
        page.on("request", lambda r: streams.append(r.url) if "/v1/incidents/stream" in r.url else None)
        await page.goto(f"{dispatch_url}/console")
        await _sign_in(page, operator_token(settings, "operator", "expiring", ttl=TTL))
        await page.locator('#live[data-state="on"]').wait_for()

        # The server closes the stream at expiry; the page finds its token refused and asks for a new one.
        # (Sooner than the page's 15-s poll of the units would notice.)
        await page.locator("#signin").wait_for(state="visible", timeout=TTL.seconds * 1000 + 4000)
        assert await page.locator("#live").get_attribute("data-state") == "off"
        assert await page.evaluate("sessionStorage.getItem('kentongan.token')") is None

        fresh = operator_token(settings, "operator", "renewed")
        await _sign_in(page, fresh)
        await page.locator('#live[data-state="on"]').wait_for()
        assert fresh in streams[-1]  # the new stream carries the new token
        assert not [url for url in streams if "access_token" not in url]
    finally:
        await context.close()


async def _sign_in(page, token: str) -> None:
    await page.fill("#token", token)
    await page.click("#signin-form button[type=submit]")


pytestmark = pytest.mark.timeout(180)
