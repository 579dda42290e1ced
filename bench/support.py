"""What the benchmarks share: a private embedded stack and real service processes on free ports."""

import os
import statistics
import tempfile
from contextlib import contextmanager
from pathlib import Path

from kentongan.devstack import DevStack, free_port
from kentongan.platform import ServiceProcess, prepare
from kentongan.service import installed_services
from kentongan.settings import ServiceSettings


@contextmanager
def running_platform(names: list[str], env: dict[str, dict[str, str]] | None = None, workers: int = 1):
    """The embedded stack plus the named services; yields {name: ServiceProcess}."""
    root = Path(tempfile.mkdtemp(prefix="kentongan-bench-"))
    stack = DevStack(root, pg_port=free_port(), kafka_port=free_port())
    stack.start()
    os.environ.update(stack.environment())
    specs = {spec.name: spec for spec in installed_services()}
    prepare(ServiceSettings(), list(specs.values()))
    processes = {}
    try:
        for name in names:
            process = ServiceProcess(specs[name], {**stack.environment(), **(env or {}).get(name, {})},
                                     free_port(), root / "logs", workers=workers)
            process.start()
            processes[name] = process
        yield processes
    finally:
        for process in processes.values():
            process.stop()
        stack.stop()


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def summary_ms(latencies_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in latencies_s]
    return {"p50_ms": round(percentile(ms, 50), 2), "p99_ms": round(percentile(ms, 99), 2),
            "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan")}
