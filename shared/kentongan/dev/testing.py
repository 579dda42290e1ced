"""pytest plugin (loaded with `-p kentongan.dev.testing`): the real embedded stack, started once per session.

Fixtures:
- `stack`: embedded PostgreSQL + Kafka-protocol broker on free ports, every installed service migrated and
  every topic created; the environment points at them. Set `KENTONGAN_TEST_USE_ENV=1` with `DATABASE_URL` and
  `KAFKA_BOOTSTRAP_SERVERS` to run the suite against real servers instead.
- `services`: start any installed service as a real uvicorn process (`services.start("dispatch")`).
- `serve`: an in-process httpx client for an app, with its lifespan (workers included) running.
- `operator_headers`, `partner_headers`: development bearer tokens.
"""

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan.db import create_engine, create_sessionmaker
from kentongan.dev.platform import DEVELOPMENT_SETTINGS, ServiceProcess
from kentongan.dev.stack import DevStack, free_port
from kentongan.migrations import prepare
from kentongan.security import operator_token, partner_token
from kentongan.service import installed_services
from kentongan.settings import ServiceSettings


class Services:
    """Real service processes for end-to-end tests, stopped at the end of the session."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self._root = root
        self._env = env
        self._specs = {spec.name: spec for spec in installed_services()}
        self._running: dict[str, ServiceProcess] = {}

    def start(self, name: str, **extra_env: str) -> ServiceProcess:
        """The named service, ready; started once, or restarted if asked for settings it was not started with."""
        running = self._running.get(name)
        if running is not None and extra_env.items() <= running.env.items():
            return running
        port = free_port()
        if running is not None:
            running.stop()
            extra_env = {**running.env, **extra_env}
            # The same port is the same static group identity (`{name}-{port}`): the new process takes over the
            # stopped one's membership. On a new port the stopped member would keep its partitions until its
            # session expires, which the embedded broker never does: their events would wait for ever.
            port = running.port
        process = ServiceProcess(self._specs[name], {**self._env, **extra_env}, port, self._root / "logs")
        self._running[name] = process  # first: a process that never gets ready is still stopped at the end
        process.start()
        return process

    def start_another(self, name: str, port: int, **extra_env: str) -> ServiceProcess:
        """A second process of the named service, on `port` with its own settings, beside the shared one (same
        database and broker); stopped at the end like the others."""
        # A dynamic consumer-group member: when it stops, the shared process takes its partitions back at once.
        process = ServiceProcess(self._specs[name], {**self._env, **extra_env}, port,
                                 self._root / "logs" / f"{name}-{port}", static_member=False)
        self._running[f"{name}-{port}"] = process
        process.start()
        return process

    def stop_all(self) -> None:
        for process in self._running.values():
            process.stop()

    def log_tails(self, lines: int = 60) -> dict[str, str]:
        """The last lines each running service logged (shown with a failed test: CI keeps nothing else)."""
        tails = {}
        for name, process in self._running.items():
            if process.log_path.exists():
                text = process.log_path.read_text(errors="replace").splitlines()[-lines:]
                tails[name] = "\n".join(line[:400] for line in text)
        return tails


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """A failed test that ran real service processes reports what they logged last."""
    report = yield
    running = getattr(item, "funcargs", {}).get("services")
    if report.failed and isinstance(running, Services):
        for name, tail in running.log_tails().items():
            report.sections.append((f"{name} log (last lines)", tail))
    return report


@pytest.fixture(scope="session")
def stack() -> Iterator[DevStack | None]:
    env_keys = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KENTONGAN_ENV",
                "KENTONGAN_OUTBOUND_ALLOW_PRIVATE")
    saved = {k: os.environ.get(k) for k in env_keys}
    devstack = None
    try:  # from the start: a failure while preparing must not leave a database and a broker running
        if os.environ.get("KENTONGAN_TEST_USE_ENV") != "1":
            root = Path(tempfile.mkdtemp(prefix="kentongan-test-"))
            devstack = DevStack(root, pg_port=free_port(), kafka_port=free_port())
            devstack.start()
            os.environ.update(devstack.environment())
        os.environ["KENTONGAN_ENV"] = "test"
        # The tests' receivers (webhooks, SMS gateways, cameras) listen on 127.0.0.1; the SSRF tests build
        # their apps with `outbound_allow_private=False` to see the policy refuse them.
        os.environ["KENTONGAN_OUTBOUND_ALLOW_PRIVATE"] = "true"
        prepare(ServiceSettings(), installed_services())
        yield devstack
    finally:
        if devstack is not None:
            devstack.stop()
            # A session's database and broker data (50-75 MB) would otherwise stay in /tmp after every run.
            shutil.rmtree(devstack.root, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def services(stack: DevStack | None) -> Iterator[Services]:
    root = Path(tempfile.mkdtemp(prefix="kentongan-services-"))
    env = {**DEVELOPMENT_SETTINGS,
           **{k: os.environ[k] for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KENTONGAN_ENV",
                                         "KENTONGAN_OUTBOUND_ALLOW_PRIVATE")}}
    running = Services(root, env)
    try:
        yield running
    finally:
        running.stop_all()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(stack: DevStack | None) -> ServiceSettings:
    return ServiceSettings()


@asynccontextmanager
async def _serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture(scope="session")
def serve(stack: DevStack | None) -> Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with serve(create_app()) as client:` an in-process app with its workers running."""
    return _serve


@pytest.fixture(scope="session")
def operator_headers(settings: ServiceSettings) -> Callable[..., dict[str, str]]:
    def headers(role: str = "operator", subject: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {operator_token(settings, role, subject)}"}

    return headers


@pytest.fixture(scope="session")
def partner_headers(settings: ServiceSettings) -> Callable[[str], dict[str, str]]:
    def headers(agency: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {partner_token(settings, agency)}"}

    return headers


async def eventually(check: Callable[[], Awaitable[Any]], timeout_s: float = 15.0, interval_s: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy (returned) or the time is up (AssertionError)."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s (last value: {last!r})")


@contextmanager
def store_down(folder: Path) -> Iterator[None]:
    """A filesystem blob store that is down for the block: its folder moved away and a file in its place (as
    a volume that failed to mount), then put back as it was."""
    away = folder.with_name(f"{folder.name}.away")
    folder.rename(away)
    folder.write_bytes(b"")
    try:
        yield
    finally:
        folder.unlink()
        away.rename(folder)


@asynccontextmanager
async def tables_of(settings: ServiceSettings, metadata: MetaData,
                    pool_size: int = 2) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test database with `metadata`'s schema and tables created, for tests of the shared
    mechanisms on tables of their own."""
    engine = create_engine(settings.database_url, pool_size=pool_size)
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {metadata.schema}"))
        await conn.run_sync(metadata.create_all)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()
