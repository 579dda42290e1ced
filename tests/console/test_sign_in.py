"""Staff sign-in in a real Chromium: the console signs in through the development OpenID provider's sign-in
form (Authorization Code + PKCE), acts on an incident with the provider's token, keeps nothing in web storage,
renews its token silently, locks after 15 minutes without input, and signs out at the provider too."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kentongan.dev.identity import running_provider
from kentongan.dev.stack import free_port
from kentongan.dev.testing import eventually
from kentongan.settings import ServiceSettings

TOKEN_TTL = timedelta(seconds=30)  # short, so that the renewal test sees the token change


@pytest.fixture(scope="module")
def signed_dispatch(services, gateway_url):
    """A dispatch whose console signs in through the development provider, and the cctv-ingest it proxies
    (both trust the provider, as every service of a deployment does): processes of their own beside the shared
    ones, whose console takes development tokens."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with running_provider(free_port(), audience=ServiceSettings().oidc_audience, origins=[origin],
                          token_ttl=TOKEN_TTL) as issuer:
        cameras = services.start_another("cctv-ingest", free_port(), KENTONGAN_OIDC_ISSUER=issuer,
                                         CCTV_INGEST_INGEST_ENABLED="false")
        dispatch = services.start_another("dispatch", port, KENTONGAN_OIDC_ISSUER=issuer,
                                          DISPATCH_CCTV_INGEST_URL=cameras.url, DISPATCH_ESCALATE_AFTER_S="3600")
        try:
            yield origin
        finally:
            dispatch.stop()
            cameras.stop()


@pytest.fixture
async def context(browser):
    context = await browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    said: list[str] = []  # what the pages logged and how their requests ended: shown when a test fails
    context.on("console", lambda m: said.append(f"console {m.type}: {m.text}"))
    context.on("weberror", lambda e: said.append(f"error: {e.error}"))
    context.on("requestfinished", lambda r: said.append(f"done {r.method} {r.url[:120]}"))
    context.on("requestfailed", lambda r: said.append(f"FAILED {r.method} {r.url[:120]} {r.failure}"))
    yield context
    print("\n".join(said[-80:]))
    await context.close()


async def _sign_in(page, user: str) -> None:
    await page.locator("#signin").wait_for()
    assert not await page.locator("#token").is_visible()  # no token pasting when a provider is configured
    await page.click("#signin-form button[type=submit]")
    await page.locator(f'button[name="sub"][value="{user}"]').click()  # the provider's sign-in form
    await page.locator('#live[data-state="on"]').wait_for()


async def _web_storage(page) -> dict:
    return await page.evaluate("({session: {...sessionStorage}, local: {...localStorage}})")


async def test_sign_in_with_pkce_act_reload_and_sign_out(context, signed_dispatch, citizens, alarm_body,
                                                         operator_headers):
    page = await context.new_page()
    authorize: list[str] = []
    page.on("request", lambda r: authorize.append(r.url) if "/oauth2/authorize" in r.url else None)
    await page.goto(f"{signed_dispatch}/console")
    await _sign_in(page, "operator1")

    query = parse_qs(urlsplit(authorize[0]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == ["kentongan-console"]
    assert "code=" not in page.url  # the code left the address bar
    assert await _web_storage(page) == {"session": {}, "local": {}}

    body = alarm_body("crime", note="sign-in test")
    assert (await citizens.raise_alarm(body)).status_code == 202
    row = page.locator(f'#queue li[data-alarms~="{body["id"]}"]')
    await row.click()
    await page.locator("#detail-status").wait_for()
    await page.keyboard.press("a")
    incident_id = await row.get_attribute("data-id")
    async with httpx.AsyncClient(base_url=signed_dispatch, headers=operator_headers(), timeout=10) as api:
        async def acknowledged():
            incident = (await api.get(f"/v1/incidents/{incident_id}")).json()
            return incident if incident["status"] == "acknowledged" else None

        incident = await eventually(acknowledged)
    assert incident["acknowledged_by"] == "operator1"  # the provider's user, from its token

    await page.reload()  # tokens lived in memory only: signing in again is needed
    await page.locator("#signin").wait_for()
    assert await page.locator("#app").is_hidden()
    await _sign_in(page, "operator2")

    await page.click("#signout")
    await page.locator("form button[type=submit]").first.click()  # the provider's "end session" confirmation
    await page.wait_for_url(f"{signed_dispatch}/console*")
    await page.locator("#signin").wait_for()
    assert await _web_storage(page) == {"session": {}, "local": {}}


async def test_the_token_is_renewed_silently_and_the_stream_moves_to_it(context, signed_dispatch):
    page = await context.new_page()
    streams: list[str] = []
    renewals: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if "/v1/incidents/stream" in r.url else None)
    page.on("request", lambda r: renewals.append(r.url)
            if "/oauth2/token" in r.url and "refresh_token" in (r.post_data or "") else None)
    await page.goto(f"{signed_dispatch}/console")
    await _sign_in(page, "supervisor1")
    first = parse_qs(urlsplit(streams[-1]).query)["access_token"][0]

    # The first token expires after 30 s; the page renewed it before, and the stream reconnects with it.
    async def moved_on():
        tokens = {parse_qs(urlsplit(url).query)["access_token"][0] for url in streams}
        return tokens - {first}

    await eventually(moved_on, timeout_s=TOKEN_TTL.total_seconds() + 20)
    assert renewals
    await page.locator('#live[data-state="on"]').wait_for()
    assert await page.locator("#signin").is_hidden()
    assert await _web_storage(page) == {"session": {}, "local": {}}


async def test_fifteen_minutes_without_input_lock_the_console_but_not_the_queue(
        context, signed_dispatch, citizens, alarm_body):
    page = await context.new_page()
    await page.clock.install()
    await page.goto(f"{signed_dispatch}/console")
    await _sign_in(page, "operator1")
    await page.clock.fast_forward("14:00")
    assert await page.locator("#lock").is_hidden()
    await page.clock.fast_forward("01:05")
    await page.locator("#lock").wait_for()

    body = alarm_body("fire")
    assert (await citizens.raise_alarm(body)).status_code == 202
    await page.locator(f'#queue li[data-alarms~="{body["id"]}"]').wait_for()  # the queue still updates
    await page.keyboard.press("j")
    assert await page.locator("#queue li.selected").count() == 0  # shortcuts do nothing while locked

    await page.click("#unlock")  # signing in again unlocks
    await page.locator('button[name="sub"][value="operator1"]').click()
    await page.locator('#live[data-state="on"]').wait_for()
    assert await page.locator("#lock").is_hidden()


pytestmark = pytest.mark.timeout(240)
