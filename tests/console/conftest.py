"""Signed-in console pages in the real headless Chromium of tests/conftest.py (`browser`)."""

import pytest


@pytest.fixture
async def console(browser, dispatch_url, settings):
    """`page = await console(role=..., live=...)`: a signed-in console in its own browser context.

    `live=False` blocks the page's live stream, as for an operator whose screen lags behind.
    """
    from kentongan.security import operator_token

    contexts = []

    async def open_page(role: str = "operator", live: bool = True):
        context = await browser.new_context(viewport={"width": 1600, "height": 900}, locale="id-ID")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = await context.new_page()
        if not live:
            await page.route("**/v1/incidents/stream*", lambda route: route.abort())
        await page.goto(f"{dispatch_url}/console")
        subject = f"console-{'fast' if live else 'slow'}" if role == "operator" else f"console-{role}"
        await page.fill("#token", operator_token(settings, role, subject))
        await page.click("#signin-form button[type=submit]")
        if live:
            await page.locator('#live[data-state="on"]').wait_for(timeout=10_000)
        else:
            await page.locator("#app").wait_for()
        return page

    yield open_page
    for context in contexts:
        await context.close()
