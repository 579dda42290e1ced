"""notifier broadcast fan-out: notifications/s to a local SMS gateway and p99 from event to delivery.

Starts its own embedded PostgreSQL + broker on free ports and a real notifier process; the "SMS gateway"
and a deliberately slow webhook endpoint are local receivers on 127.0.0.1. Each incident alerts the
`REPS_PER_AREA` RT representatives of its area. Phase "baseline" has only the fast gateway; phase
"with_slow_receiver" adds, in every area, representatives whose webhook answers after `SLOW_DELAY_S`,
and measures whether the gateway's rate holds. Phases "baseline" and "with_slow_receiver" publish
all incidents at once (latency there is mostly queueing); phase "paced" offers 500 notifications/s and phase
"paced_1000" 1,000/s (the target's rate, for its p99 below saturation); phase "whatsapp_burst" is the
baseline burst through the WhatsApp Cloud API adapter (template messages; each delivery then waits as `sent`
for its receipt).
A small untimed burst warms the notifier up first. Each phase also reports the cores each process kept busy (the notifier, this process with its receivers
and producer, PostgreSQL, the broker) and the load average.
Run: `python -m bench notifier_bench`. Knobs: `BENCH_NOTIFIER_AREAS` (incidents per phase, 300),
`BENCH_NOTIFIER_PHASES` (comma-separated phase names, all by default) for a short run,
`BENCH_NOTIFIER_PROCESSES` (notifier processes sharing the work, 1; their CPU is added up as "notifier").
"""

import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import orjson

from bench.ceilings import cpu_ratio, kafka_ceiling, ratio
from bench.support import cpu_seconds, tree_cpu_seconds
from kentongan.dev.platform import ServiceProcess
from kentongan.dev.receivers import disconnected_within, read_body, serving
from kentongan.dev.stack import DevStack, free_port
from kentongan.events import Envelope, encode
from kentongan.events.incidents import IncidentOpened
from kentongan.kafka import create_producer, ensure_topics
from kentongan.migrations import upgrade
from kentongan.security import operator_token
from kentongan.settings import ServiceSettings
from notifier.main import SPEC

AREAS = int(os.environ.get("BENCH_NOTIFIER_AREAS", "300"))
PHASES = os.environ.get("BENCH_NOTIFIER_PHASES",
                        "baseline,with_slow_receiver,paced,paced_1000,whatsapp_burst").split(",")
PROCESSES = int(os.environ.get("BENCH_NOTIFIER_PROCESSES", "1"))
WARM_UP_AREAS = 40
REPS_PER_AREA = 20
SLOW_REPS_PER_AREA = 2
SLOW_DELAY_S = 2.0
PACED_INCIDENTS_PER_S = 25  # phase "paced": 500 notifications/s offered, for latency below saturation
STEP = 0.0009  # ~100 m between representatives: all within the broadcast radius
HEADER = "code,name,role,kecamatan,kelurahan,rw,rt,lat,lon,language,whatsapp,sms,webhook\n"


class Gateway:
    """A local receiver: records (arrival time, phone) for SMS and WhatsApp; answers webhooks after a delay. It
    answers like the WhatsApp Cloud API (a `wamid`), which the generic SMS gateway channel ignores."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.port, self.delay_s, self.arrivals = free_port(), delay_s, []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        if self.delay_s and await disconnected_within(receive, self.delay_s):
            return
        self.arrivals.append((time.time(), orjson.loads(body).get("to")))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body",
                    "body": b'{"messaging_product":"whatsapp","messages":[{"id":"wamid.%d"}]}' % len(self.arrivals)})


def _area_point(phase: int, area: int) -> tuple[float, float]:
    return -40.0 + phase * 10 + area * 0.05, 20.0 + area * 0.05  # far apart: one area per incident


def registry_csv(phase: int, slow_url: str | None, areas: int, channel: str = "sms") -> str:
    rows = []
    for area in range(areas):
        lat, lon = _area_point(phase, area)
        for i in range(REPS_PER_AREA):
            phone = f"+{phase}{area:04d}{i:04d}"
            contacts = f"{phone},," if channel == "whatsapp" else f",{phone},"
            rows.append(f"B{phase}-{area}-{i},Rep,rt,Bench,Kel {phase}-{area},01,{i:02d},{lat + (i % 5) * STEP},"
                        f"{lon + (i // 5) * STEP},id,{contacts}")
        for i in range(SLOW_REPS_PER_AREA if slow_url else 0):
            rows.append(f"B{phase}-{area}-slow{i},Slow,rt,Bench,Kel {phase}-{area},01,9{i},{lat},{lon},id,,,{slow_url}")
    return HEADER + "\n".join(rows) + "\n"


async def run_phase(phase: int, base_url: str, settings: ServiceSettings, gateway: Gateway,
                    slow: Gateway | None, meters: dict[str, Callable[[], float]], pace_s: float = 0.0,
                    areas: int = AREAS, channel: str = "sms") -> dict:
    csv = registry_csv(phase, slow and f"http://127.0.0.1:{slow.port}/hook", areas, channel)
    headers = {"Authorization": f"Bearer {operator_token(settings, 'admin')}", "content-type": "text/csv"}
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for start in range(0, areas, 20):  # the import is limited by the body size: send it in slices
            lines = csv.splitlines()
            per_area = REPS_PER_AREA + (SLOW_REPS_PER_AREA if slow else 0)
            chunk = lines[1 + start * per_area: 1 + (start + 20) * per_area]
            (await client.post("/v1/representatives/import", content=HEADER + "\n".join(chunk) + "\n",
                               headers=headers)).raise_for_status()
    gateway.arrivals.clear()
    producer = create_producer(settings, "notifier-bench")
    await producer.start()
    published: dict[int, float] = {}
    cpu_before = {name: meter() for name, meter in meters.items()}
    print(f"phase {phase}: publishing", flush=True)  # a mark for a profiler to start on
    started = time.time()
    try:
        for area in range(areas):
            lat, lon = _area_point(phase, area)
            now = datetime.now(UTC)
            envelope = Envelope.wrap(IncidentOpened(
                incident_id=uuid4(), status="open", category="crime", priority=2, lat=lat, lon=lon, area="Bench",
                opened_at=now, updated_at=now, version=1), "/bench")
            message = encode(envelope)
            published[area] = envelope.time.timestamp()
            await producer.send(envelope.topic, message.value, key=envelope.subject.encode(),
                                headers=list(message.headers.items()))
            if pace_s:  # on a schedule: the time each send takes does not lower the rate offered
                await asyncio.sleep(max(0.0, started + (area + 1) * pace_s - time.time()))
        await producer.flush()
    finally:
        await producer.stop()
    expected = areas * REPS_PER_AREA
    deadline = time.time() + 60
    while len(gateway.arrivals) < expected and time.time() < deadline:
        await asyncio.sleep(0.05)
    window = time.time() - started
    # Average cores busy per process over the phase: shows which one limits the rate (the bench's own
    # receivers must not be it).
    used = {name: meter() - cpu_before[name] for name, meter in meters.items()}
    cpu = {name: round(seconds / window, 2) for name, seconds in used.items()}
    per_notification = {name: round(seconds * 1000 / max(1, len(gateway.arrivals)), 3)
                        for name, seconds in used.items()}
    return {**_figures(gateway.arrivals, published, started, expected, phase), "cpu_cores_busy": cpu,
            "cpu_ms_per_notification": per_notification,
            "load_average_1m": round(os.getloadavg()[0], 2)}


def _figures(arrivals, published, started, expected, phase) -> dict:
    latencies = sorted(at - published[int(to[1 + len(str(phase)):][:4])] for at, to in arrivals)
    last = max((at for at, _ in arrivals), default=started)
    elapsed = max(last - started, 1e-6)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else -1

    return {"notifications": len(arrivals), "expected": expected, "seconds": round(elapsed, 2),
            "notifications_per_s": round(len(arrivals) / elapsed, 1), "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


async def main() -> dict:
    root = Path(tempfile.mkdtemp(prefix="notifier-bench-"))
    stack = DevStack(root / "stack", pg_port=free_port(), kafka_port=free_port())
    stack.start()
    try:
        os.environ.update(stack.environment())
        settings = ServiceSettings()
        await asyncio.to_thread(upgrade, SPEC, settings.database_url)
        await ensure_topics(settings, list(SPEC.topics))
        gateway, slow = Gateway(), Gateway(delay_s=SLOW_DELAY_S)
        async with serving(gateway, gateway.port, backlog=4096), serving(slow, slow.port, backlog=4096):
            result = await _measure(root, stack, settings, gateway, slow)
        print(json.dumps(result, indent=2))
        return result
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


async def _measure(root: Path, stack: DevStack, settings: ServiceSettings, gateway: Gateway, slow: Gateway) -> dict:
    env = {**stack.environment(), "KENTONGAN_ENV": "development", "LOG_LEVEL": "WARNING",
           "KENTONGAN_OUTBOUND_ALLOW_PRIVATE": "true",  # the gateway and the slow webhooks are on 127.0.0.1
           "NOTIFIER_SMS_URL": f"http://127.0.0.1:{gateway.port}/sms", "KENTONGAN_MAX_BODY_BYTES": "1000000",
           # The WhatsApp Cloud API adapter against the same local receiver (template messages, wamid kept).
           "NOTIFIER_WHATSAPP_API_URL": f"http://127.0.0.1:{gateway.port}/wa", "NOTIFIER_WHATSAPP_PHONE_NUMBER_ID": "1",
           "NOTIFIER_WHATSAPP_TOKEN": "bench"}
    processes = [ServiceProcess(SPEC, env, free_port(), root / f"logs-{n}") for n in range(PROCESSES)]
    for started in processes:
        await asyncio.to_thread(started.start)
    process = processes[0]  # takes the registry imports; every process consumes and sends
    meters = {"notifier": lambda: sum(cpu_seconds(p.process.pid) for p in processes),
              "bench_receivers_and_producer": lambda: cpu_seconds(os.getpid()),
              "postgres": lambda: tree_cpu_seconds(stack.postgres.pid),
              "broker": lambda: tree_cpu_seconds(stack.kafka.pid)}
    try:
        # Untimed warm-up: connections, prepared statements and caches, so that the first measured phase does
        # not carry start-up costs the others do not.
        await run_phase(0, process.url, settings, gateway, None, meters, areas=WARM_UP_AREAS)
        runs = {"baseline": lambda: run_phase(1, process.url, settings, gateway, None, meters),
                "with_slow_receiver": lambda: run_phase(2, process.url, settings, gateway, slow, meters),
                "paced": lambda: run_phase(3, process.url, settings, gateway, None, meters,
                                           pace_s=1 / PACED_INCIDENTS_PER_S),
                "paced_1000": lambda: run_phase(5, process.url, settings, gateway, None, meters,
                                                pace_s=1 / (2 * PACED_INCIDENTS_PER_S)),
                "whatsapp_burst": lambda: run_phase(4, process.url, settings, gateway, None, meters,
                                                    channel="whatsapp")}
        phases = {name: await runs[name]() for name in PHASES}
    finally:
        for stopped in processes:
            stopped.stop()  # before the receivers, so that no request is cut off by them
    # The bare ceiling on the same broker, now: what aiokafka alone produces and consumes per second.
    ceiling = await kafka_ceiling(settings.kafka_bootstrap_servers, AREAS * REPS_PER_AREA)
    result: dict = {"ceiling_bare_aiokafka": ceiling, "cpus": os.cpu_count(), "fan_out_per_incident": REPS_PER_AREA,
                    "incidents": AREAS, "notifier_processes": PROCESSES}
    if baseline := phases.get("baseline"):
        incidents_per_s = baseline["notifications_per_s"] / REPS_PER_AREA
        notifier_cpu_per_incident = baseline["cpu_ms_per_notification"]["notifier"] * REPS_PER_AREA
        result["baseline_incidents_per_s_vs_bare_consume"] = ratio(incidents_per_s, ceiling["consume_per_s"])
        result["notifier_cpu_per_incident_vs_bare_consume"] = cpu_ratio(notifier_cpu_per_incident,
                                                                        ceiling["consume_cpu_ms_per_msg"])
    extras = {"with_slow_receiver": {"slow_delay_s": SLOW_DELAY_S, "slow_receiver_deliveries": len(slow.arrivals)},
              "paced": {"offered_per_s": PACED_INCIDENTS_PER_S * REPS_PER_AREA},
              "paced_1000": {"offered_per_s": 2 * PACED_INCIDENTS_PER_S * REPS_PER_AREA}}
    return {**result, **{name: {**figures, **extras.get(name, {})} for name, figures in phases.items()}}


if __name__ == "__main__":
    asyncio.run(main())
