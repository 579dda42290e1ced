"""Report submission throughput and latency, with encryption, through a real report-intake process.

Starts its own embedded PostgreSQL + broker on free ports and one uvicorn process of report-intake, then
POSTs reports (a mix that triage sends to DP3A, Disdik, both or nobody, some urgent) from concurrent
clients for a fixed time. Prints and returns req/s and latency percentiles. Run: `python bench/report_intake_bench.py`.
"""

import asyncio
import os
import statistics
import time

from bench.ceilings import cpu_ratio, http_insert_ceiling, ratio
from bench.support import KeepAliveConnection, cpu_seconds, running_platform

DURATION_S = float(os.environ.get("BENCH_DURATION_S", "20"))
WARMUP_S = 3.0
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))

BODIES = [
    {"category": "bullying", "school": "SMP Negeri 99 Semarang",
     "victim": {"age_group": "child", "gender": "male", "is_reporter": False}},
    {"category": "sexual_violence", "victim": {"age_group": "child", "gender": "female", "is_reporter": False},
     "contact": {"phone": "+62 812 0000 0001", "safe_to_contact": True}},
    {"category": "domestic_violence", "immediate_danger": True,
     "victim": {"age_group": "adult", "gender": "female", "is_reporter": True}},
    {"category": "other", "victim": {"age_group": "adult", "is_reporter": True}},
]


def _body(i: int) -> dict:
    return {"narrative": "Kekerasan terjadi di rumah tetangga saya, terdengar teriakan setiap malam. " * 6,
            "location": {"lat": -7.05, "lon": 110.44, "kecamatan": "Tembalang", "kelurahan": "Tembalang"},
            "anonymous": True, "consent": {"share_with_agencies": i % 5 != 0, "contact_me": i % 2 == 0},
            **BODIES[i % len(BODIES)]}


async def _client(url: str, stop_at: float, record_from: float, latencies: list[float], errors: list[int],
                  offset: int) -> None:
    host, port = url.removeprefix("http://").split(":")
    connection = KeepAliveConnection(host, int(port))
    await connection.open()
    i = offset
    try:
        while (now := time.perf_counter()) < stop_at:
            status = await connection.post_json("/v1/reports", _body(i))
            if status != 201:
                errors.append(status)
            elif now >= record_from:
                latencies.append(time.perf_counter() - now)
            i += 1
    finally:
        connection.close()


async def _drive(url: str, service_pid: int | None = None) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    record_from, stop_at = start + WARMUP_S, start + WARMUP_S + DURATION_S
    clients = asyncio.gather(*(_client(url, stop_at, record_from, latencies, errors, n * 100_000)
                               for n in range(CONCURRENCY)))
    await asyncio.sleep(WARMUP_S)
    cpu_before = cpu_seconds(service_pid) if service_pid else 0.0
    await clients
    cpu_used = (cpu_seconds(service_pid) - cpu_before) if service_pid else 0.0
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100)
    return {"report_submissions_per_s": round(len(latencies) / DURATION_S, 1),
            "report_submit_p50_ms": round(quantiles[49] * 1000, 1),
            "report_submit_p99_ms": round(quantiles[98] * 1000, 1),
            "report_submit_errors": len(errors), "concurrency": CONCURRENCY, "duration_s": DURATION_S,
            "load_average_1m": round(os.getloadavg()[0], 2),
            # CPU the service process spent per report: capacity per core is 1000 / this, whatever else runs.
            "service_cpu_ms_per_report": round(cpu_used * 1000 / max(len(latencies), 1), 2)}


async def _against_ceiling(figures: dict) -> dict:
    """The same run's bare ceiling (a plain endpoint inserting a row and its outbox row): a report also seals
    its content and writes its referrals, so the ratio shows what that costs, not the machine's mood."""
    ceiling = await http_insert_ceiling(os.environ["DATABASE_URL"], CONCURRENCY, DURATION_S)
    return {"ceiling_bare_fastapi_insert_outbox": ceiling,
            "submissions_per_s_vs_ceiling": ratio(figures["report_submissions_per_s"], ceiling["per_s"]),
            "service_cpu_vs_ceiling": cpu_ratio(figures["service_cpu_ms_per_report"], ceiling["cpu_ms_per_op"])}


def main() -> dict:
    env = {"KENTONGAN_ENV": "development", "REPORT_INTAKE_REPORTS_PER_MINUTE": "10000000", "LOG_LEVEL": "WARNING"}
    with running_platform(["report-intake"], env={"report-intake": env}) as services:
        service = services["report-intake"]
        figures = asyncio.run(_drive(service.url, service.process.pid))
        figures.update(asyncio.run(_against_ceiling(figures)))
    print(figures)
    return figures


if __name__ == "__main__":
    main()
