"""A crowd's surge: SURGE alarms from as many devices within 100 m of one point, raised back to back at fixed
concurrency, while unrelated alarms come in elsewhere at a steady rate; PostgreSQL, the broker, alarm-gateway
and dispatch all on this machine.

Reports the alarm intake rate during the surge (and its HTTP latency), how long dispatch took to place the
whole crowd in its one incident, and the live stream's latency during the surge: from each alarm's POST to the
SSE event that placed it, for the crowd's alarms and for the unrelated ones. Compare with the steady figures
of alarm_bench (intake >= 1,500 alarms/s with p99 < 50 ms; alarm -> console p99 < 250 ms).
"""

import asyncio
import json
import math
import os
import random
import time
from uuid import uuid4

import httpx

from bench.alarm_bench import _register_devices
from bench.support import KeepAliveConnection, running_platform, summary_ms
from kentongan.security import operator_token
from kentongan.settings import ServiceSettings

SURGE = int(os.environ.get("BENCH_SURGE_ALARMS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
UNRELATED_RATE = 10  # alarms/s elsewhere in the city during the surge
CENTRE = (-6.9839, 110.4093)
SPREAD_M = 100


def _crowd_alarm() -> dict:
    distance, bearing = random.uniform(0, SPREAD_M), random.uniform(0, 2 * math.pi)
    lat = CENTRE[0] + distance * math.cos(bearing) / 111_320
    lon = CENTRE[1] + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(CENTRE[0])))
    return {"id": str(uuid4()), "lat": lat, "lon": lon, "accuracy_m": 15.0, "category": "fire", "silent": False}


def _unrelated_alarm(index: int) -> dict:
    # ~350 m apart and kilometres from the crowd: each its own incident.
    return {"id": str(uuid4()), "lat": -7.20 + (index % 50) * 0.0032, "lon": 110.20 + (index // 50) * 0.0032,
            "accuracy_m": 10.0, "category": "crime", "silent": False}


class Stream:
    """The operators' live stream: when each alarm was first placed on it, and the incidents it named."""

    def __init__(self, dispatch_url: str) -> None:
        self.url, self.seen, self.incidents = dispatch_url, {}, {}
        self.ready = asyncio.Event()

    async def listen(self) -> None:
        token = operator_token(ServiceSettings(), "operator", "bench")
        async with (httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client,
                    client.stream("GET", f"{self.url}/v1/incidents/stream",
                                  headers={"Authorization": f"Bearer {token}"}) as response):
            async for line in response.aiter_lines():
                if line.startswith("event: ready"):
                    self.ready.set()
                if line.startswith("data:") and '"incident"' in line:
                    now, data = time.perf_counter(), json.loads(line[5:])
                    if data.get("alarm_id"):
                        self.seen.setdefault(data["alarm_id"], now)
                        self.incidents[data["alarm_id"]] = data["incident"]["id"]


async def surge(gateway_url: str, dispatch_url: str) -> dict:
    stream = Stream(dispatch_url)
    listener = asyncio.create_task(stream.listen())
    await asyncio.wait_for(stream.ready.wait(), 10)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        crowd_devices = await _register_devices(client, SURGE)
        other_devices = await _register_devices(client, 20 + SURGE // 50)
        warm = _unrelated_alarm(999)  # the consumer joined and the path is warm before anything is measured
        await client.post("/v1/alarms", json=warm, headers=other_devices.pop())
        deadline = time.perf_counter() + 60
        while warm["id"] not in stream.seen and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)

        sent: dict[str, float] = {}
        unrelated: list[str] = []
        done = asyncio.Event()

        async def trickle() -> None:
            """Unrelated alarms at UNRELATED_RATE while the crowd presses."""
            index = 0
            while not done.is_set() and other_devices:
                body = _unrelated_alarm(index)
                sent[body["id"]] = time.perf_counter()
                unrelated.append(body["id"])
                await client.post("/v1/alarms", json=body, headers=other_devices.pop())
                index += 1
                await asyncio.sleep(1 / UNRELATED_RATE)

        host, port = gateway_url.removeprefix("http://").split(":")
        connections = [KeepAliveConnection(host, int(port)) for _ in range(CONCURRENCY)]
        await asyncio.gather(*(connection.open() for connection in connections))
        devices, latencies, errors = iter(crowd_devices), [], []

        async def press(connection: KeepAliveConnection) -> None:
            while (device := next(devices, None)) is not None:
                body = _crowd_alarm()
                started = sent[body["id"]] = time.perf_counter()
                status = await connection.post_json("/v1/alarms", body, device)
                latencies.append(time.perf_counter() - started)
                if status != 202:
                    errors.append(status)

        trickling = asyncio.create_task(trickle())
        started = time.perf_counter()
        await asyncio.gather(*(press(connection) for connection in connections))
        intake_s = time.perf_counter() - started
        done.set()
        await trickling
        for connection in connections:
            connection.close()
    crowd = [alarm_id for alarm_id in sent if alarm_id not in set(unrelated)]
    deadline = time.perf_counter() + 120
    while len(stream.seen.keys() & sent.keys()) < len(sent) and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    placed_s = max((stream.seen[a] for a in crowd if a in stream.seen), default=math.nan) - started
    listener.cancel()
    return {
        "intake": {"alarms": len(latencies), "errors": len(errors), "concurrency": CONCURRENCY,
                   "alarms_per_s": round(len(latencies) / intake_s, 1), **summary_ms(latencies)},
        "crowd_placed": {"incidents": len({stream.incidents[a] for a in crowd if a in stream.incidents}),
                         "alarms_on_stream": sum(1 for a in crowd if a in stream.seen),
                         "all_placed_after_s": round(placed_s, 2)},
        "stream_crowd_alarm_to_sse": summary_ms([stream.seen[a] - sent[a] for a in crowd if a in stream.seen]),
        "stream_unrelated_alarm_to_sse": {"alarms": len(unrelated), **summary_ms(
            [stream.seen[a] - sent[a] for a in unrelated if a in stream.seen])},
        "dispatch_dead_lettered": await _dead_lettered(dispatch_url),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


async def _dead_lettered(dispatch_url: str) -> float:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{dispatch_url}/metrics")).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("kentongan_events_dead_lettered_total{"))


def main() -> dict:
    gateway_env = {"ALARM_GATEWAY_REGISTRATIONS_PER_MINUTE": "10000000"}
    with running_platform(["alarm-gateway", "dispatch"], env={"alarm-gateway": gateway_env}) as services:
        results = asyncio.run(surge(services["alarm-gateway"].url, services["dispatch"].url))
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
