"""The security headers middleware: defaults for an API, and what a route chose for itself left in place."""

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import Route

from kentongan.headers import API_POLICY, DOCS_POLICY, SecurityHeadersMiddleware, content_security_policy

PAGE_POLICY = content_security_policy(script_src="'self'")


def _app() -> Starlette:
    routes = [
        Route("/json", lambda _: JSONResponse({"ok": True})),
        Route("/text", lambda _: PlainTextResponse("ok")),
        Route("/page", lambda _: HTMLResponse("<p>", headers={"Content-Security-Policy": PAGE_POLICY})),
        Route("/cached", lambda _: JSONResponse({}, headers={"Cache-Control": "max-age=60"})),
        Route("/docs", lambda _: HTMLResponse("<p>")),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_every_response_gets_the_api_policy_and_the_browser_headers(client):
    for path in ("/json", "/text", "/missing"):
        headers = (await client.get(path)).headers
        assert headers["content-security-policy"] == API_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
    assert API_POLICY == "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


async def test_json_and_anything_answered_to_credentials_is_not_stored(client):
    assert (await client.get("/json")).headers["cache-control"] == "no-store"
    assert "cache-control" not in (await client.get("/text")).headers
    for credentials in ({"headers": {"Authorization": "Bearer x"}}, {"headers": {"X-Case-Token": "x"}},
                        {"params": {"access_token": "x"}}):
        assert (await client.get("/text", **credentials)).headers["cache-control"] == "no-store"


async def test_a_route_keeps_the_policy_and_caching_it_chose(client):
    page = await client.get("/page")
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert page.headers.get_list("content-security-policy") == [PAGE_POLICY]
    assert (await client.get("/cached")).headers["cache-control"] == "max-age=60"
    assert (await client.get("/docs")).headers["content-security-policy"] == DOCS_POLICY
