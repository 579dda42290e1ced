"""Running the whole platform as local processes: the embedded stack (or configured servers), every
installed service's migrations, topics, the services themselves and their demo data.

Used by `kentongan up` (`make run`) and by the end-to-end test fixtures.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kentongan.dev.stack import DevStack
from kentongan.migrations import prepare
from kentongan.service import ServiceSpec, installed_services
from kentongan.settings import ServiceSettings

# What the local platform (`make run`, benchmarks) and the tests' services turn on explicitly, and production
# leaves off (`kentongan check`): API docs, open metrics, the development inbox, the demo's local receivers.
DEVELOPMENT_SETTINGS = {
    "KENTONGAN_API_DOCS": "true",
    "KENTONGAN_METRICS_PUBLIC": "true",
    "NOTIFIER_DEV_INBOX": "true",
    "KENTONGAN_OUTBOUND_ALLOW_PRIVATE": "true",
}


@dataclass
class ServiceProcess:
    """One service running under uvicorn in its own process."""

    spec: ServiceSpec
    env: dict[str, str]
    port: int
    log_dir: Path
    host: str = "127.0.0.1"
    workers: int = 1
    # False for a process that joins for a while and leaves: a static member that stops holds its partitions
    # until its session times out, while a dynamic one hands them back as it leaves.
    static_member: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.spec.name}.log"

    def start(self, wait: bool = True) -> None:
        # --no-proxy-headers: the client's address is the library's to decide (from KENTONGAN_TRUSTED_PROXIES,
        # kentongan.ratelimit.client_address); uvicorn would take X-Forwarded-For from any local peer.
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:  # the process keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", self.spec.app, "--host", self.host,
                 "--port", str(self.port), "--no-access-log", "--no-proxy-headers",
                 "--timeout-graceful-shutdown", "5",
                 "--workers", str(self.workers), "--timeout-keep-alive", "75"],
                env={**os.environ, **self._static_membership(), **self.env}, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if wait:
            self.wait_ready()

    def _static_membership(self) -> dict[str, str]:
        """A stable consumer identity, so a restarted process reclaims its partitions at once. Worker
        processes of one uvicorn would share it and fence each other, so they stay dynamic members."""
        static = self.workers == 1 and self.static_member
        return {"KAFKA_GROUP_INSTANCE_ID": f"{self.spec.name}-{self.port}"} if static else {}

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        # Generous: on a busy 2-core machine (CI, eight test sessions at once) importing a service took 40 s.
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.spec.name} exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.spec.name} not ready after {timeout_s} s")

    def pids(self) -> list[int]:
        """The server process and its worker processes (for CPU accounting)."""
        import psutil

        if self.process is None:
            return []
        parent = psutil.Process(self.process.pid)
        return [parent.pid, *(child.pid for child in parent.children(recursive=True))]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: a crash, mid-flight, with no chance to clean up."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Platform:
    """The embedded stack (unless servers are configured) plus every installed service."""

    def __init__(self, root: Path, *, pg_port: int = 54320, kafka_port: int = 19092,
                 host: str = "127.0.0.1", port_offset: int = 0, extra_env: dict[str, str] | None = None) -> None:
        self.root = root
        self.stack: DevStack | None = None
        configured = os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not configured:
            self.stack = DevStack(root, pg_port=pg_port, kafka_port=kafka_port)
        self.env = {**DEVELOPMENT_SETTINGS, **(self.stack.environment() if self.stack else {})}
        self.env.update(extra_env or {})
        self.specs = installed_services()
        self.services = {spec.name: ServiceProcess(spec, self.env, spec.port + port_offset, root / "logs", host)
                         for spec in self.specs}

    def settings(self) -> ServiceSettings:
        os.environ.update(self.env)
        return ServiceSettings()

    def start(self) -> None:
        if self.stack:
            self.stack.start()
        prepare(self.settings(), self.specs)
        for service in self.services.values():
            service.start(wait=False)
        for service in self.services.values():
            service.wait_ready()

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        if self.stack:
            self.stack.stop()

    def revive(self) -> list[str]:
        """Start again what exited on its own (a crash, a `kill -9`), as a process supervisor (systemd,
        Kubernetes) would; the names of those restarted. PostgreSQL is left to the person running it."""
        revived = []
        if self.stack and not self.stack.kafka.running:
            self.stack.kafka.start()
            revived.append("broker")
        for name, service in self.services.items():
            if service.process is not None and service.process.poll() is not None:
                service.start(wait=False)
                revived.append(name)
        return revived

    def load_demo_data(self) -> None:
        from importlib import import_module

        settings = self.settings()
        for service in self.services.values():
            if service.spec.demo:
                module, _, func = service.spec.demo.partition(":")
                asyncio.run(getattr(import_module(module), func)(service.url, settings))
