"""What the benchmarks share: a private embedded stack and real service processes on free ports."""

import asyncio
import os
import shutil
import statistics
import tempfile
from contextlib import contextmanager
from pathlib import Path

import orjson

from kentongan.dev.platform import ServiceProcess
from kentongan.dev.stack import DevStack, free_port
from kentongan.migrations import prepare
from kentongan.service import installed_services
from kentongan.settings import ServiceSettings


@contextmanager
def running_platform(names: list[str], env: dict[str, dict[str, str]] | None = None,
                     workers: dict[str, int] | None = None):
    """The embedded stack plus the named services (uvicorn worker processes per service, default one);
    yields {name: ServiceProcess}."""
    root = Path(tempfile.mkdtemp(prefix="kentongan-bench-"))
    stack = DevStack(root, pg_port=free_port(), kafka_port=free_port())
    processes = {}
    try:  # from the start: a failure while preparing must not leave a database and a broker running
        stack.start()
        os.environ.update(stack.environment())
        specs = {spec.name: spec for spec in installed_services()}
        prepare(ServiceSettings(), list(specs.values()))
        for name in names:
            process = ServiceProcess(specs[name], {**stack.environment(), **(env or {}).get(name, {})},
                                     free_port(), root / "logs", workers=(workers or {}).get(name, 1))
            process.start()
            processes[name] = process
        yield processes
    finally:
        for process in processes.values():
            process.stop()
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)  # a run leaves 300-500 MB of database and broker data


class KeepAliveConnection:
    """A minimal keep-alive HTTP/1.1 client: httpx costs more CPU per request than the service under test,
    and on a 2-core machine the load generator must not starve it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post_json(self, path: str, body: dict, headers: dict[str, str] | None = None) -> int:
        payload = orjson.dumps(body)
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"{extra}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, of the children it has reaped and of those still running."""
    import psutil

    process = psutil.Process(pid)
    own = process.cpu_times()
    total = own.user + own.system + own.children_user + own.children_system
    for child in process.children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def summary_ms(latencies_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in latencies_s]
    return {"p50_ms": round(percentile(ms, 50), 2), "p99_ms": round(percentile(ms, 99), 2),
            "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan")}
