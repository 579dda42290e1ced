"""Panic-alarm figures: intake req/s and latency at fixed concurrency, and alarm-to-operator (SSE) latency at a
steady 100 alarms/s, with PostgreSQL, the broker, alarm-gateway and dispatch all on this machine.

Targets (2 cores): intake >= 1,500 alarms/s with p99 < 50 ms; alarm-to-SSE p99 < 250 ms.
"""

import asyncio
import gc
import json
import os
import time
from dataclasses import dataclass
from uuid import uuid4

import httpx

from bench.ceilings import cpu_ratio, http_insert_ceiling, ratio
from bench.support import KeepAliveConnection, cpu_seconds, running_platform, summary_ms
from kentongan.events.alarms import AlarmRaised
from kentongan.events.devices import DeviceProfileUpdated
from kentongan.security import operator_token
from kentongan.settings import ServiceSettings

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
INTAKE_SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "15"))
WARM_UP_SECONDS = 1.0
STEADY_RATE = 100
STEADY_SECONDS = float(os.environ.get("BENCH_STEADY_SECONDS", "20"))
GATEWAY_WORKERS = int(os.environ.get("BENCH_GATEWAY_WORKERS", "1"))  # 2 cost more CPU per alarm on 2 cores
# Every pressing device has a caller profile (with two emergency contacts), as in production; 0 to leave them out.
PROFILES = os.environ.get("BENCH_PROFILES", "1") == "1"
# Devices registered for the intake, one alarm each (a device's second press within the merge window joins
# its open alarm: another path, so devices are never reused). Fewer make a quick run quicker (registering and
# giving profiles to 40,000 takes minutes); the intake then ends when they run out, its rate still measured.
DEVICES = int(os.environ.get("BENCH_DEVICES", str(int((WARM_UP_SECONDS + INTAKE_SECONDS) * 2_500))))


def _alarm(index: int) -> dict:
    # ~350 m apart, beyond dispatch's merge radius: separate callers, separate incidents.
    return {"id": str(uuid4()), "lat": -7.20 + (index % 100) * 0.0032, "lon": 110.20 + (index // 100 % 100) * 0.0032,
            "accuracy_m": 10.0, "category": "crime", "silent": False}


async def _register_devices(client: httpx.AsyncClient, count: int) -> list[dict[str, str]]:
    async def one(_: int) -> dict[str, str]:
        token = (await client.post("/v1/devices", json={})).json()["token"]
        return {"Authorization": f"Bearer {token}"}

    tokens = []
    for start in range(0, count, CONCURRENCY):
        tokens += await asyncio.gather(*(one(i) for i in range(start, min(count, start + CONCURRENCY))))
    return tokens


async def _give_profiles(client: httpx.AsyncClient, devices: list[dict[str, str]]) -> None:
    async def one(index: int) -> None:
        profile = {"name": f"Warga {index}", "phone": f"+62812{10_000_000 + index}", "medical_notes": "asma",
                   "emergency_contacts": [{"name": "Budi", "phone": "+6281311112222", "relation": "suami"},
                                          {"name": "Ani", "phone": "+6281333334444", "relation": "tetangga"}]}
        response = await client.put("/v1/devices/me/profile", json=profile, headers=devices[index])
        response.raise_for_status()

    for start in range(0, len(devices), CONCURRENCY):
        await asyncio.gather(*(one(i) for i in range(start, min(len(devices), start + CONCURRENCY))))


class DispatchCost:
    """Dispatch's CPU per alarm it consumed, from a start mark until it consumed a given number of alarms.

    Dispatch lags behind the gateway's relay under load, so its CPU counts until it caught up; the consumed
    count comes from its own metrics (every outcome, duplicates included)."""

    def __init__(self, url: str, pids: list[int]) -> None:
        self.url, self.pids = url, pids

    async def consumed(self) -> float:
        async with httpx.AsyncClient(timeout=10) as client:
            text = (await client.get(f"{self.url}/metrics")).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("kentongan_events_consumed_total{") and f'"{AlarmRaised.ce_type}"' in line)

    async def start(self) -> None:
        self._cpu, self._consumed, self._started = self._cpu_now(), await self.consumed(), time.perf_counter()

    async def until_consumed(self, alarms: int, timeout_s: float = 60) -> dict:
        during = await self.consumed() - self._consumed
        deadline = time.perf_counter() + timeout_s
        while (done := await self.consumed() - self._consumed) < alarms and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
        return {"dispatch_consumed_during_intake": int(during), "dispatch_consumed": int(done),
                "dispatch_done_after_s": round(time.perf_counter() - self._started, 1),
                "dispatch_cpu_ms_per_alarm": round((self._cpu_now() - self._cpu) * 1000 / max(1, done), 3)}

    def _cpu_now(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    async def until_profiles_kept(self, count: int, timeout_s: float = 300) -> None:
        """Wait until dispatch has taken in `count` profile events, so they are not measured with the alarms."""
        deadline = time.perf_counter() + timeout_s
        while await self._profiles() < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.5)

    async def _profiles(self) -> float:
        async with httpx.AsyncClient(timeout=10) as client:
            text = (await client.get(f"{self.url}/metrics")).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("kentongan_events_consumed_total{")
                   and f'"{DeviceProfileUpdated.ce_type}"' in line)


async def intake(gateway_url: str, gateway_pids: list[int], dispatch: DispatchCost) -> dict:
    """Closed loop: CONCURRENCY keep-alive clients raising alarms back to back, each alarm from its own device.

    A minimal HTTP client drives the load (httpx would cost more CPU than the service it measures), and the
    gateway's own CPU per alarm is reported too: capacity per core is 1000 / that, whatever else runs here.
    So is dispatch's, which shares these cores. The first WARM_UP_SECONDS of load are not measured: the
    clients' connections open, the gateway's pool grows to the load and dispatch's batches to the rate."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        devices = await _register_devices(client, DEVICES)
        if PROFILES:
            await _give_profiles(client, devices)
            await dispatch.until_profiles_kept(len(devices))
    host, port = gateway_url.removeprefix("http://").split(":")
    connections = [KeepAliveConnection(host, int(port)) for _ in range(CONCURRENCY)]
    await asyncio.gather(*(connection.open() for connection in connections))
    try:
        await dispatch.start()
        warmed_up = await _closed_loop(connections, devices, 0, WARM_UP_SECONDS)
        await dispatch.until_consumed(len(warmed_up.latencies))
        # The load generator's own full garbage collections (15,000 device tokens and growing lists) would stall
        # every client at once and be measured as the service's latency.
        gc.collect()
        gc.freeze()
        cpu_before = sum(cpu_seconds(pid) for pid in gateway_pids)
        await dispatch.start()
        print("INTAKE START", flush=True)  # a mark for a profiler to attach on (bench/README: profiling)
        run = await _closed_loop(connections, devices, len(warmed_up.latencies), INTAKE_SECONDS)
    finally:
        for connection in connections:
            connection.close()
    cpu_ms = (sum(cpu_seconds(pid) for pid in gateway_pids) - cpu_before) * 1000 / max(1, len(run.latencies))
    load = os.getloadavg()[0]
    return {"concurrency": CONCURRENCY, "profiles": PROFILES, "alarms": len(run.latencies), "errors": len(run.errors),
            "alarms_per_s": round(len(run.latencies) / run.elapsed_s, 1), **summary_ms(run.latencies),
            "gateway_cpu_ms_per_alarm": round(cpu_ms, 3), "load_average_1m": round(load, 2),
            **await dispatch.until_consumed(len(run.latencies))}


@dataclass
class ClosedLoopRun:
    latencies: list[float]
    errors: list[int]
    elapsed_s: float


async def _closed_loop(connections: list[KeepAliveConnection], devices: list[dict[str, str]], first: int,
                       seconds: float) -> ClosedLoopRun:
    """Each connection raises alarms back to back for `seconds`, alarm i from device i, from `first` on."""
    run = ClosedLoopRun([], [], 0.0)
    counter = iter(range(first, len(devices)))
    deadline = time.perf_counter() + seconds

    async def client(connection: KeepAliveConnection) -> None:
        while time.perf_counter() < deadline and (index := next(counter, None)) is not None:
            started = time.perf_counter()
            status = await connection.post_json("/v1/alarms", _alarm(index), devices[index])
            run.latencies.append(time.perf_counter() - started)
            if status != 202:
                run.errors.append(status)

    started = time.perf_counter()
    await asyncio.gather(*(client(connection) for connection in connections))
    run.elapsed_s = time.perf_counter() - started
    return run


async def alarm_to_operator(gateway_url: str, dispatch_url: str) -> dict:
    """Open loop at STEADY_RATE alarms/s; latency from the POST leaving to the incident event on the SSE stream."""
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    token = operator_token(ServiceSettings(), "operator", "bench")
    ready = asyncio.Event()

    async def listen() -> None:
        async with (httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client,
                    client.stream("GET", f"{dispatch_url}/v1/incidents/stream",
                                  headers={"Authorization": f"Bearer {token}"}) as response):
            async for line in response.aiter_lines():
                if line.startswith("event: ready"):
                    ready.set()
                if line.startswith("data:") and '"incident"' in line:  # first change naming the alarm
                    now = time.perf_counter()
                    data = json.loads(line[5:])
                    for alarm_id in [data.get("alarm_id"), *data["incident"]["alarm_ids"]]:
                        if alarm_id:
                            seen.setdefault(alarm_id, now)

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 10)
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30, limits=limits) as client:
        # The first second warms the path up (connections opened, statements prepared) and is not measured.
        warm_up = STEADY_RATE
        total = warm_up + int(STEADY_RATE * STEADY_SECONDS)
        devices = await _register_devices(client, total + 1)
        await _until_seen(client, devices.pop(), seen)

        async def send(index: int) -> None:
            body = _alarm(100_000 + index)
            if index >= warm_up:
                sent[body["id"]] = time.perf_counter()
            await client.post("/v1/alarms", json=body, headers=devices[index])

        tasks = []
        start = time.perf_counter()
        for index in range(total):
            await asyncio.sleep(max(0.0, start + index / STEADY_RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(send(index)))
        await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 15
    while len(seen.keys() & sent.keys()) < len(sent) and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    listener.cancel()
    latencies = [seen[a] - sent[a] for a in sent if a in seen]
    return {"rate_per_s": STEADY_RATE, "alarms": len(sent), "delivered": len(latencies), **summary_ms(latencies)}


async def _until_seen(client: httpx.AsyncClient, device: dict[str, str], seen: dict[str, float]) -> None:
    """Raise one alarm and wait for its incident on the stream: right after start-up dispatch's consumer may
    still be joining its group, and those first seconds would be measured instead of the steady state."""
    body = _alarm(99_999)  # a spot none of the measured alarms shares, so none merges into its incident
    await client.post("/v1/alarms", json=body, headers=device)
    deadline = time.perf_counter() + 60
    while body["id"] not in seen and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


async def measure(gateway: str, dispatch: str, gateway_pids: list[int], dispatch_pids: list[int]) -> dict:
    # Steady latency first: the intake burst leaves dispatch a backlog that would be measured instead.
    results = {"alarm_to_sse": await alarm_to_operator(gateway, dispatch)}
    results["intake"] = await intake(gateway, gateway_pids, DispatchCost(dispatch, dispatch_pids))
    # The bare ceiling of the intake, now, on this machine: the same insert + outbox row from a plain endpoint.
    ceiling = await http_insert_ceiling(os.environ["DATABASE_URL"], CONCURRENCY, INTAKE_SECONDS)
    results["ceiling_bare_fastapi_insert_outbox"] = ceiling
    results["intake"]["alarms_per_s_vs_ceiling"] = ratio(results["intake"]["alarms_per_s"], ceiling["per_s"])
    results["intake"]["gateway_cpu_vs_ceiling"] = cpu_ratio(results["intake"]["gateway_cpu_ms_per_alarm"],
                                                            ceiling["cpu_ms_per_op"])
    return results


def main() -> dict:
    gateway_env = {"ALARM_GATEWAY_REGISTRATIONS_PER_MINUTE": "10000000"}
    with running_platform(["alarm-gateway", "dispatch"], env={"alarm-gateway": gateway_env},
                          workers={"alarm-gateway": GATEWAY_WORKERS}) as services:
        gateway = services["alarm-gateway"]
        dispatch = services["dispatch"]
        results = asyncio.run(measure(gateway.url, dispatch.url, gateway.pids(), dispatch.pids()))
    print(json.dumps(results, indent=2))
    return results
