"""Fault injection under a steady alarm load: the pieces the fault tests share.

`FAULT_LOAD_S` (seconds of load per fault, default 12) and `FAULT_RATE` (alarms per second, default 15) are
read from the environment: `make test` runs short loads, `make bench` (bench/faults_bench.py) longer ones.
"""

import asyncio
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

LOAD_S = float(os.environ.get("FAULT_LOAD_S", "12"))
RATE = float(os.environ.get("FAULT_RATE", "15"))
PLACEMENT_BOUND_S = 60.0  # every accepted alarm is in an incident this long after the fault healed, at most
RETRY_FOR_S = 60.0  # how long the app retries a 503 ("not stored, try again") before giving up
# Presses in flight at most: on a slow machine the load waits instead of piling up requests (an open-loop
# generator would keep adding work to a platform already behind, and measure only the machine).
IN_FLIGHT = 16


@dataclass
class LoadReport:
    accepted: dict[str, float] = field(default_factory=dict)  # alarm id -> when it was accepted (monotonic)
    statuses: Counter = field(default_factory=Counter)  # every answer the app got, by status
    unavailable: Counter = field(default_factory=Counter)  # 503s by endpoint
    errors: list[str] = field(default_factory=list)  # transport errors and alarms given up on


class SteadyLoad:
    """Alarms at a steady rate, each from a newly registered device as a crowd's phones would send them. Like
    the app, a 503 is retried (the gateway says honestly it could not store the alarm); every answer counts."""

    def __init__(self, gateway_url: str, alarm_body, rate: float = RATE) -> None:
        self._url, self._body, self._interval = gateway_url, alarm_body, 1.0 / rate
        self.report = LoadReport()
        self._tasks: set[asyncio.Task] = set()
        self._client: httpx.AsyncClient | None = None
        self._pacer: asyncio.Task | None = None
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    async def __aenter__(self) -> "SteadyLoad":
        self._client = httpx.AsyncClient(base_url=self._url, timeout=30,
                                         limits=httpx.Limits(max_connections=200))
        self._pacer = asyncio.create_task(self._pace())
        return self

    async def __aexit__(self, *_) -> None:
        self._pacer.cancel()
        await asyncio.gather(self._pacer, return_exceptions=True)
        await asyncio.gather(*self._tasks, return_exceptions=True)  # every press in flight gets its answer
        await self._client.aclose()

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            await self._slots.acquire()
            task = asyncio.create_task(self._press())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(lambda _: self._slots.release())
            due = max(due + self._interval, loop.time() - 1.0)  # a stall is not made up for later in a burst
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def _press(self) -> None:
        body = self._body()
        give_up = time.monotonic() + RETRY_FOR_S
        token = None
        while time.monotonic() < give_up:
            try:
                if token is None:
                    response = await self._client.post("/v1/devices", json={})
                    self.report.statuses[response.status_code] += 1
                    if response.status_code == 201:
                        token = response.json()["token"]
                        continue
                else:
                    response = await self._client.post("/v1/alarms", json=body,
                                                       headers={"Authorization": f"Bearer {token}"})
                    self.report.statuses[response.status_code] += 1
                    if response.status_code == 202:
                        self.report.accepted[body["id"]] = time.monotonic()
                        return
                if response.status_code != 503:
                    self.report.errors.append(f"{response.status_code}: {response.text[:200]}")
                    return
                self.report.unavailable[response.url.path.rsplit("/", 1)[-1]] += 1
            except httpx.TransportError as exc:
                self.report.errors.append(f"transport: {exc!r}")
                return
            await asyncio.sleep(0.2)
        self.report.errors.append(f"gave up on alarm {body['id']} after {RETRY_FOR_S} s of 503")


class Placements:
    """Reads dispatch's own record of which incident each alarm is in (incident_alarms: one row per alarm at
    most, by its primary key): the truth the operators' queue is built from."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_async_engine(database_url, pool_size=1)

    async def placed(self, alarm_ids: list[str]) -> dict[str, str]:
        """alarm id -> incident id, for those of `alarm_ids` placed; {} while the database is unreachable."""
        try:
            async with self._engine.connect() as conn:
                rows = await conn.execute(text(
                    "SELECT alarm_id::text, incident_id::text FROM dispatch.incident_alarms "
                    "WHERE alarm_id = ANY(CAST(:ids AS uuid[]))"), {"ids": alarm_ids})
                return dict(rows.all())
        except Exception:  # noqa: BLE001 # the database is restarting: nothing known yet, ask again
            return {}

    async def wait_all(self, alarm_ids: list[str], timeout_s: float) -> float:
        """Seconds until every one of `alarm_ids` is placed (AssertionError naming the missing past the bound)."""
        started = time.monotonic()
        missing = alarm_ids
        while time.monotonic() - started < timeout_s:
            missing = [alarm for alarm in missing if alarm not in await self.placed(missing)]
            if not missing:
                return time.monotonic() - started
            await asyncio.sleep(0.25)
        raise AssertionError(f"{len(missing)} accepted alarms never placed in an incident, e.g. {missing[:3]}")

    async def wait_heard(self, timeout_s: float) -> float:
        """Seconds until the gateway has heard of every alarm's placement (it keeps none to re-send)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            async with self._engine.connect() as conn:
                waiting = (await conn.execute(text("SELECT count(*) FROM alarm_gateway.awaiting_placement"))).scalar_one()
            if not waiting:
                return time.monotonic() - started
            await asyncio.sleep(0.5)
        raise AssertionError(f"the gateway still re-sends {waiting} alarms it has not heard placed")

    async def close(self) -> None:
        await self._engine.dispose()


def resends(service_url: str) -> float:
    """A service's count of events published again (kentongan_placement_resends_total)."""
    body = httpx.get(f"{service_url}/metrics", timeout=10).text
    return sum(float(value) for value in re.findall(
        r'^kentongan_placement_resends_total\{[^}]*\} ([0-9.e+]+)$', body, re.MULTILINE))


@pytest.fixture
def resends_of():
    """`resends_of(url)`: a service's count of events published again (alarms, urgent reports) so far."""
    return resends


@pytest.fixture
def gateway_resends(gateway_url):
    """The gateway's count of alarms published again so far."""
    return lambda: resends(gateway_url)


@pytest.fixture
def embedded(stack):
    if stack is None:
        pytest.skip("fault tests need the embedded stack (they kill and restart its servers)")
    return stack


@pytest.fixture
async def placements(settings):
    found = Placements(settings.database_url)
    yield found
    await found.close()


@pytest.fixture
def under_fault(services, gateway_url, dispatch_url, alarm_body, placements):
    """`await under_fault(name, inject, heal)`: the panic path as real processes (gateway, dispatch, notifier)
    under a steady load; `inject()` a fault a quarter into it, `heal()` it `fault_s` later, then check that
    every accepted alarm is placed in exactly one incident and that the app got no server error."""
    services.start("notifier")

    async def run(name: str, inject, heal, fault_s: float = 2.0, allow_503: bool = False) -> None:
        await _under_fault(name, lambda: SteadyLoad(gateway_url, alarm_body), placements, gateway_url,
                           inject, heal, fault_s, allow_503)

    return run


async def _under_fault(name: str, load_factory, placements, gateway_url: str, inject, heal,
                       fault_s: float = 2.0, allow_503: bool = False) -> None:
    resent_before = resends(gateway_url)
    started = time.monotonic()
    async with load_factory() as load:
        await asyncio.sleep(LOAD_S / 4)
        await asyncio.to_thread(inject)
        await asyncio.sleep(fault_s)
        await asyncio.to_thread(heal)
        # Recovery: from the healing until every alarm accepted so far is in an incident (the load goes on).
        recovery = asyncio.create_task(placements.wait_all(list(load.report.accepted), PLACEMENT_BOUND_S))
        await asyncio.sleep(max(0.0, LOAD_S - (time.monotonic() - started)))
    recovery_s = await recovery
    report = load.report
    await placements.wait_all(list(report.accepted), PLACEMENT_BOUND_S)
    placed = await placements.placed(list(report.accepted))
    # The gateway hears every placement too (dispatch announces again what it placed before, if re-sent).
    heard_s = await placements.wait_heard(PLACEMENT_BOUND_S)
    resent = resends(gateway_url) - resent_before
    print(f"\n{name}: {len(report.accepted)} alarms accepted at {RATE:g}/s over {LOAD_S:g} s, each in exactly one "
          f"incident ({len(set(placed.values()))} incidents); all placed {recovery_s:.1f} s after the fault "
          f"healed; {resent:.0f} alarm events published again; the gateway heard every placement "
          f"{heard_s:.1f} s after that; answers {dict(sorted(report.statuses.items()))}"
          f"{f'; 503 by endpoint {dict(report.unavailable)}' if report.unavailable else ''}")
    assert not report.errors, report.errors[:5]
    assert report.accepted, "no alarm was accepted: the load did not run"
    assert set(placed) == set(report.accepted)  # incident_alarms: one row per alarm, at most, by its key
    server_errors = {status: n for status, n in report.statuses.items()
                     if status >= 500 and not (allow_503 and status == 503)}
    assert not server_errors, f"the app got server errors: {server_errors}"
