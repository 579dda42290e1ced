"""Fixtures for the cross-service tests: real service processes on the real embedded stack."""

import asyncio
import json
import shutil
import time
from typing import Self
from uuid import uuid4

import httpx
import pytest
from playwright.async_api import async_playwright

# A real headless Chromium (Debian's `chromium` package) driven by Playwright: tests/console, tests/security.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
async def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.fail("the console tests need Debian's chromium: apt-get install -y chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def gateway_url(services) -> str:
    # Many devices register from one test address; the per-address limit is tested in the gateway suite.
    # Alarms not placed in an incident within 5 s are published again: the fault tests (tests/faults) see
    # the re-sends within their short runs.
    return services.start("alarm-gateway", ALARM_GATEWAY_REGISTRATIONS_PER_MINUTE="100000",
                          ALARM_GATEWAY_PLACEMENT_TIMEOUT_S="5").url


@pytest.fixture(scope="session")
def cctv_url(services) -> str:
    # The camera registry and its API only: no camera is polled in these tests. Live video (tests/console)
    # plays the RTSP test camera over TCP, the default transport; its upstream closes 1 s after the last viewer.
    return services.start("cctv-ingest", CCTV_INGEST_INGEST_ENABLED="false", CCTV_INGEST_LIVE_GRACE_S="1").url


@pytest.fixture(scope="session")
def dispatch_url(services, cctv_url) -> str:
    # The console (tests/console) reaches cctv-ingest through dispatch.
    return services.start("dispatch", DISPATCH_ESCALATE_AFTER_S="3600", DISPATCH_CCTV_INGEST_URL=cctv_url).url


@pytest.fixture
async def citizen(gateway_url):
    """A registered device: an httpx client on alarm-gateway with the device's token."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
        registered = (await client.post("/v1/devices", json={"platform": "android"})).json()
        client.headers["Authorization"] = f"Bearer {registered['token']}"
        yield client


@pytest.fixture
async def citizens(gateway_url):
    """`await citizens.raise_alarm(body)`: each alarm from its own newly registered device, as in a crowd
    (one device's repeated presses would merge into one alarm)."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
        yield Crowd(client)


class Crowd:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def raise_alarm(self, body: dict) -> httpx.Response:
        registered = await self.client.post("/v1/devices", json={})
        if registered.status_code != 201:
            return registered
        headers = {"Authorization": f"Bearer {registered.json()['token']}"}
        return await self.client.post("/v1/alarms", json=body, headers=headers)


@pytest.fixture
async def operator(dispatch_url, operator_headers):
    async with httpx.AsyncClient(base_url=dispatch_url, headers=operator_headers(), timeout=10) as client:
        yield client


class Places:
    """Coordinates in Semarang far enough apart (>500 m) that their alarms never merge across tests."""

    def __init__(self) -> None:
        self._next = 0

    def __call__(self) -> tuple[float, float]:
        self._next += 1
        row, col = divmod(self._next, 30)
        return -7.12 + row * 0.005, 110.28 + col * 0.007


@pytest.fixture(scope="session")
def place() -> Places:
    return Places()


@pytest.fixture
def alarm_body(place):
    def body(category: str = "crime", **overrides) -> dict:
        lat, lon = place()
        return {"id": str(uuid4()), "lat": lat, "lon": lon, "accuracy_m": 8.0, "category": category,
                "silent": False, **overrides}

    return body


class SseListener:
    """Collects `incident` events from dispatch's live stream in the background."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: list[dict] = []
        self.arrived_at: list[float] = []  # time.time() of each event's arrival, beside `events`
        self._url, self._headers = url, headers
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._ready.wait(), 10)
        return self

    async def __aexit__(self, *_) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _listen(self) -> None:
        async with (httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client,
                    client.stream("GET", f"{self._url}/v1/incidents/stream", headers=self._headers) as response):
            event = None
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                    if event == "ready":
                        self._ready.set()
                elif line.startswith("data:") and event == "incident":
                    self.events.append(json.loads(line.split(":", 1)[1]))
                    self.arrived_at.append(time.time())

    def about_alarm(self, alarm_id: str) -> list[dict]:
        """The changes that placed this alarm, or of an incident listing it among its first alarms."""
        return [e for e in self.events if e.get("alarm_id") == alarm_id or alarm_id in e["incident"]["alarm_ids"]]


@pytest.fixture
def sse(dispatch_url, operator_headers):
    return lambda: SseListener(dispatch_url, operator_headers())
