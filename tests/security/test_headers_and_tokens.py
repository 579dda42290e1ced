"""Browser security headers on every service, bearer tokens only in the Authorization header (the live stream
aside), and a live stream that ends when its token does."""

import asyncio
import time
from datetime import timedelta

import httpx
import pytest

from kentongan.security import operator_token

# One endpoint per service that needs a staff token and answers JSON.
AUTHENTICATED = {
    "alarm-gateway": "/v1/device-blocks",
    "report-intake": "/v1/staff/reports",
    "cctv-ingest": "/v1/cameras/health",
    "dispatch": "/v1/units",
    "notifier": "/v1/representatives",
}


@pytest.fixture(scope="module")
def service_urls(services, gateway_url, cctv_url, dispatch_url) -> dict[str, str]:
    return {"alarm-gateway": gateway_url, "cctv-ingest": cctv_url, "dispatch": dispatch_url,
            "report-intake": services.start("report-intake").url, "notifier": services.start("notifier").url}


@pytest.mark.parametrize("service", sorted(AUTHENTICATED))
async def test_every_response_forbids_framing_sniffing_and_referrers(service, service_urls, operator_headers):
    async with httpx.AsyncClient(base_url=service_urls[service], timeout=10) as client:
        for response in (await client.get("/healthz"), await client.get("/no-such-page"),
                         await client.get(AUTHENTICATED[service], headers=operator_headers("supervisor"))):
            headers = response.headers
            assert headers.get("x-content-type-options") == "nosniff", response.url
            assert headers.get("x-frame-options") == "DENY", response.url
            assert headers.get("referrer-policy") == "no-referrer", response.url
            policy = headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, response.url


@pytest.mark.parametrize("service", sorted(AUTHENTICATED))
async def test_authenticated_json_is_never_stored_by_a_cache(service, service_urls, operator_headers):
    async with httpx.AsyncClient(base_url=service_urls[service], timeout=10) as client:
        response = await client.get(AUTHENTICATED[service], headers=operator_headers("supervisor"))
    assert response.status_code == 200 and "json" in response.headers["content-type"]
    assert response.headers.get("cache-control") == "no-store"


@pytest.mark.parametrize("service", sorted(AUTHENTICATED))
async def test_a_token_in_the_query_string_is_refused_outside_the_live_stream(service, service_urls,
                                                                              settings):
    token = operator_token(settings, "supervisor")
    async with httpx.AsyncClient(base_url=service_urls[service], timeout=10) as client:
        response = await client.get(AUTHENTICATED[service], params={"access_token": token})
    assert response.status_code == 401, response.text


async def test_the_console_page_has_a_strict_content_security_policy(dispatch_url):
    async with httpx.AsyncClient(base_url=dispatch_url, timeout=10) as client:
        page = await client.get("/console")
    directives = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["img-src"] == "'self' blob:"  # no tile host: none is configured here
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


async def test_the_live_stream_ends_when_its_token_expires_and_that_token_cannot_reopen_it(
        dispatch_url, settings):
    token = operator_token(settings, "operator", "short-lived", ttl=timedelta(seconds=3))
    url = f"{dispatch_url}/v1/incidents/stream"
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        async with client.stream("GET", url, params={"access_token": token}) as response:
            assert response.status_code == 200
            lines = await asyncio.wait_for(_all_lines(response), timeout=12)
        assert "event: ready" in lines
        assert time.monotonic() - started < 10  # closed at expiry, not by the test's timeout
        again = await client.get(url, params={"access_token": token})
    assert again.status_code == 401


async def _all_lines(response: httpx.Response) -> list[str]:
    return [line async for line in response.aiter_lines()]


async def test_the_camera_proxy_refuses_paths_that_climb_out_of_the_camera_views(
        dispatch_url, operator_headers):
    attempts = [
        "..%2F..%2Fmetrics%23/health",
        "..%2F..%2Fmetrics%3F/nearby",
        "%2E%2E%2F%2E%2E%2Freadyz%23/health",
        "CAM-1/..%2F..%2F..%2Fmetrics%23/snapshot",
        "..%2F..%2Fmetrics%23%2Fsnapshot",
        "..%5C..%5Cmetrics%23/health",
        "import%23/health",
    ]
    async with httpx.AsyncClient(base_url=dispatch_url, headers=operator_headers(), timeout=10) as client:
        for path in attempts:
            response = await client.get(httpx.URL(f"{dispatch_url}/console/cctv/v1/cameras/{path}"))
            assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:200])
            assert "python_gc" not in response.text  # nothing of cctv-ingest's /metrics
        health = await client.get("/console/cctv/v1/cameras/health")  # the views themselves still work
    assert health.status_code == 200 and "by_kecamatan" in health.json()
