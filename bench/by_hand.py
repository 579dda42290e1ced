"""The hand trials of issues 16 and 21, repeatable against a platform already running (`make run`).

    ALARM_GATEWAY_REGISTRATIONS_PER_MINUTE=100000 make run     # in one terminal (300+ devices from one address)
    .venv/bin/python -m bench.by_hand crowd                    # in another
    .venv/bin/python -m bench.by_hand faults [--rate 40 --seconds 60]

`crowd`: 300 alarms from 300 devices within 100 m of one point, then one unrelated alarm across town. Prints
how long the unrelated alarm took from its POST to the operators' live stream (it must be under a second) and
how many alarms the crowd's incident shows (it must be 300).

`faults`: alarms at a steady rate (40/s for a minute) while dispatch, the broker's process group and notifier
are killed with SIGKILL in turn (`make run` starts each again, as a supervisor would). Then every accepted alarm
must be in exactly one incident, the gateway must have heard every placement, and no 5xx may have reached the
app. The processes are found by the ports they listen on, so run it on the machine running the platform.

URLs and ports default to `make run`'s (--gateway, --dispatch, --kafka-port change them); the operator token is
the local development issuer's (`make token`), as the console uses it.
"""

import argparse
import asyncio
import json
import math
import os
import random
import signal
import time
from collections import Counter
from uuid import uuid4

import httpx
import psutil

from bench.alarm_bench import _register_devices
from bench.surge_bench import Stream
from kentongan.security import operator_token
from kentongan.settings import ServiceSettings

CENTRE = (-6.9839, 110.4093)  # Simpang Lima
ACROSS_TOWN = (-7.0560, 110.4380)  # Tembalang, ~8 km away
ALL_STATUSES = ["open", "acknowledged", "assigned", "en_route", "on_scene", "resolved", "cancelled"]


def _near(centre: tuple[float, float], within_m: float) -> tuple[float, float]:
    distance, bearing = within_m * math.sqrt(random.random()), random.uniform(0, 2 * math.pi)
    return (centre[0] + distance * math.cos(bearing) / 111_320,
            centre[1] + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(centre[0]))))


def _alarm(place: tuple[float, float], category: str = "fire") -> dict:
    return {"id": str(uuid4()), "lat": place[0], "lon": place[1], "accuracy_m": 15.0, "category": category,
            "silent": False}


def _operator() -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token(ServiceSettings(), 'operator', 'by-hand')}"}


async def _incident_of(client: httpx.AsyncClient, alarm_id: str) -> list[dict]:
    """The incidents holding the alarm ([] also while dispatch cannot answer: ask again later)."""
    try:
        response = await client.get("/v1/incidents", params={"status": ALL_STATUSES, "alarm_id": alarm_id})
    except httpx.TransportError:
        return []
    return response.json()["items"] if response.status_code == 200 else []


async def _incidents_of(client: httpx.AsyncClient, alarm_ids: list[str]) -> list[list[dict]]:
    """`_incident_of` for each alarm, a few requests at a time."""
    slots = asyncio.Semaphore(8)

    async def one(alarm_id: str) -> list[dict]:
        async with slots:
            return await _incident_of(client, alarm_id)

    return await asyncio.gather(*(one(alarm_id) for alarm_id in alarm_ids))


async def crowd(gateway: str, dispatch: str, size: int) -> dict:
    stream = Stream(dispatch)
    listener = asyncio.create_task(stream.listen())
    await asyncio.wait_for(stream.ready.wait(), 10)
    async with (httpx.AsyncClient(base_url=gateway, timeout=30) as app,
                httpx.AsyncClient(base_url=dispatch, headers=_operator(), timeout=30) as console):
        devices = await _register_devices(app, size + 1)
        bodies = [_alarm(_near(CENTRE, 100)) for _ in range(size)]
        started = time.perf_counter()
        answers = await asyncio.gather(*(app.post("/v1/alarms", json=body, headers=device)
                                         for body, device in zip(bodies, devices, strict=False)))
        crowd_s = time.perf_counter() - started
        unrelated = _alarm(ACROSS_TOWN, "crime")
        sent = time.perf_counter()
        answer = await app.post("/v1/alarms", json=unrelated, headers=devices[-1])
        while unrelated["id"] not in stream.seen and time.perf_counter() - sent < 30:
            await asyncio.sleep(0.01)
        on_stream_s = stream.seen.get(unrelated["id"], math.nan) - sent
        deadline = time.perf_counter() + 120
        incidents: list[dict] = []
        while time.perf_counter() < deadline:  # until dispatch has placed the whole crowd
            incidents = await _incident_of(console, bodies[0]["id"])
            if incidents and incidents[0]["alarm_count"] >= size:
                break
            await asyncio.sleep(0.5)
        pages = await _count_alarm_pages(console, incidents[0]["id"]) if incidents else 0
    listener.cancel()
    return {"crowd_accepted": Counter(a.status_code for a in answers), "crowd_posted_in_s": round(crowd_s, 2),
            "unrelated_accepted": answer.status_code,
            "unrelated_post_to_live_stream_s": round(on_stream_s, 3),
            "crowd_incidents": len(incidents), "crowd_incident_alarm_count": incidents[0]["alarm_count"]
            if incidents else 0, "crowd_incident_alarms_listed_by_detail_pages": pages}


async def _count_alarm_pages(console: httpx.AsyncClient, incident_id: str) -> int:
    """The incident's alarms as an operator pages them (GET .../alarms?limit=&after=)."""
    count, after = 0, None
    while True:
        page = (await console.get(f"/v1/incidents/{incident_id}/alarms",
                                  params={"limit": 100, **({"after": after} if after else {})})).json()
        count += len(page["items"])
        after = page.get("next")
        if not after:
            return count


class Load:
    """Alarms at a steady rate, each from a new device; a 503 ("not stored, retry") is retried as the app does."""

    def __init__(self, gateway: str, rate: float) -> None:
        self.gateway, self.interval = gateway, 1.0 / rate
        self.accepted: list[str] = []
        self.statuses: Counter = Counter()
        self.failures: list[str] = []

    async def run(self, seconds: float) -> None:
        async with httpx.AsyncClient(base_url=self.gateway, timeout=30,
                                     limits=httpx.Limits(max_connections=100)) as client:
            presses, end = [], time.monotonic() + seconds
            while time.monotonic() < end:
                presses.append(asyncio.create_task(self._press(client)))
                await asyncio.sleep(self.interval)
            await asyncio.gather(*presses)

    async def _press(self, client: httpx.AsyncClient) -> None:
        body, token, give_up = _alarm(_near(CENTRE, 20_000), "crime"), None, time.monotonic() + 60
        while time.monotonic() < give_up:
            try:
                if token is None:
                    response = await client.post("/v1/devices", json={})
                    token = response.json()["token"] if response.status_code == 201 else None
                else:
                    response = await client.post("/v1/alarms", json=body,
                                                 headers={"Authorization": f"Bearer {token}"})
            except httpx.TransportError as exc:
                self.failures.append(repr(exc))
                return
            self.statuses[response.status_code] += 1
            if response.status_code == 202:
                self.accepted.append(body["id"])
                return
            if response.status_code not in (201, 503):
                self.failures.append(f"{response.status_code} {response.text[:120]}")
                return
            if response.status_code == 503:
                await asyncio.sleep(0.2)
        self.failures.append(f"alarm {body['id']}: 503 for a minute")


def _kill_listener(port: int, whole_group: bool) -> int:
    """SIGKILL the process listening on `port` (and its process group: the broker); its pid."""
    [pid] = {c.pid for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port}
    if whole_group:
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    else:
        for process in [*psutil.Process(pid).children(recursive=True), psutil.Process(pid)]:
            process.kill()
    return pid


async def _metric(url: str, name: str) -> float:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{url}/metrics")).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


async def faults(gateway: str, dispatch: str, rate: float, seconds: float, ports: dict[str, int]) -> dict:
    resent_before = await _metric(gateway, "kentongan_placement_resends_total")
    load = Load(gateway, rate)
    running = asyncio.create_task(load.run(seconds))
    killed, started = {}, time.monotonic()
    for fraction, name in ((0.2, "dispatch"), (0.45, "broker"), (0.7, "notifier")):
        await asyncio.sleep(max(0.0, started + fraction * seconds - time.monotonic()))
        killed[name] = await asyncio.to_thread(_kill_listener, ports[name], name == "broker")
        print(f"  {time.strftime('%H:%M:%S')} killed {name} (pid {killed[name]}) with SIGKILL", flush=True)
    await running
    ended = time.monotonic()
    async with httpx.AsyncClient(base_url=dispatch, headers=_operator(), timeout=30) as console:
        missing, placed = list(load.accepted), Counter()
        while missing and time.monotonic() - ended < 180:
            found = await _incidents_of(console, missing)
            for alarm_id, incidents in zip(missing, found, strict=True):
                placed[alarm_id] = len(incidents)
            missing = [alarm_id for alarm_id in missing if not placed[alarm_id]]
            await asyncio.sleep(1.0)
    placed_s = time.monotonic() - ended
    while await _metric(gateway, "kentongan_placement_awaiting_events") and time.monotonic() - ended < 300:
        await asyncio.sleep(1.0)
    return {"load": f"{rate:g} alarms/s for {seconds:g} s", "killed": list(killed),
            "accepted": len(load.accepted), "answers": dict(sorted(load.statuses.items())),
            "server_errors": sum(n for status, n in load.statuses.items() if status >= 500 and status != 503),
            "failures": load.failures[:5], "never_placed": missing[:5] + ([f"... {len(missing)}"] if missing else []),
            "in_more_than_one_incident": [a for a, n in placed.items() if n > 1][:5],
            "all_placed_after_load_s": round(placed_s, 1),
            "gateway_still_awaiting": await _metric(gateway, "kentongan_placement_awaiting_events"),
            "gateway_heard_all_after_load_s": round(time.monotonic() - ended, 1),
            "published_again": await _metric(gateway, "kentongan_placement_resends_total") - resent_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trial", choices=["crowd", "faults"])
    parser.add_argument("--gateway", default="http://127.0.0.1:8001")
    parser.add_argument("--dispatch", default="http://127.0.0.1:8004")
    parser.add_argument("--notifier-port", type=int, default=8005)
    parser.add_argument("--kafka-port", type=int, default=19092)
    parser.add_argument("--size", type=int, default=300, help="crowd: alarms around one point")
    parser.add_argument("--rate", type=float, default=40.0, help="faults: alarms per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="faults: how long the load lasts")
    args = parser.parse_args()
    if args.trial == "crowd":
        result = asyncio.run(crowd(args.gateway, args.dispatch, args.size))
    else:
        ports = {"dispatch": int(args.dispatch.rsplit(":", 1)[1]), "broker": args.kafka_port,
                 "notifier": args.notifier_port}
        result = asyncio.run(faults(args.gateway, args.dispatch, args.rate, args.seconds, ports))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
