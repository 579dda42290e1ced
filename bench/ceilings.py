"""Bare ceilings, measured in the same run and on the same machine as each benchmark, so that a figure is read
as a ratio (what the service achieves of what the bare tools achieve here, now) rather than as an absolute
number that swings 20 % from one day to the next on the same code:

- `http_insert_ceiling`: a plain FastAPI endpoint in its own uvicorn process doing the same work as an intake
  (validate a JSON body, insert the row and its outbox row in one transaction, answer 202);
- `kafka_ceiling`: a bare aiokafka producer (acks=all, idempotent) and consumer on the same broker;
- `decode_ceiling` (in cctv_bench: `_bare_round`): bare PyAV keyframe decoding.

Each reports its rate and its CPU milliseconds per operation of the process doing the work.
"""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from bench.support import KeepAliveConnection, cpu_seconds, summary_ms
from kentongan.dev.stack import free_port, wait_for_port

SCHEMA = "bench_ceiling"
TABLES = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.alarms (id uuid PRIMARY KEY, lat float8 NOT NULL, lon float8 NOT NULL,
    accuracy_m float8, category text NOT NULL, silent boolean NOT NULL, raised_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS {SCHEMA}.outbox (id bigserial PRIMARY KEY, topic text NOT NULL, key text NOT NULL,
    payload jsonb NOT NULL, created_at timestamptz DEFAULT now());
"""

INSERT_ALARM = ("INSERT INTO bench_ceiling.alarms (id, lat, lon, accuracy_m, category, silent) "
                "VALUES ($1, $2, $3, $4, $5, $6)")
INSERT_OUTBOX = "INSERT INTO bench_ceiling.outbox (topic, key, payload) VALUES ($1, $2, $3::jsonb)"


class Body(BaseModel):
    id: UUID
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = None
    category: str = Field(max_length=32)
    silent: bool = False


class Accepted(BaseModel):
    id: UUID
    status: str


def ceiling_app() -> FastAPI:
    """The bare endpoint (`uvicorn --factory bench.ceilings:ceiling_app`), on CEILING_DATABASE_URL."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dsn = os.environ["CEILING_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
        app.state.pool = await asyncpg.create_pool(dsn, min_size=8, max_size=8)
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/alarms", status_code=202)
    async def raise_alarm(body: Body, request: Request) -> Accepted:
        async with request.app.state.pool.acquire() as conn, conn.transaction():
            await conn.execute(INSERT_ALARM, body.id, body.lat, body.lon, body.accuracy_m, body.category,
                               body.silent)
            await conn.execute(INSERT_OUTBOX, "alarms.v1", str(body.id),
                               orjson.dumps(body.model_dump(mode="json")).decode())
        return Accepted(id=body.id, status="received")

    return app


async def http_insert_ceiling(database_url: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """Closed loop on the bare endpoint, as the benchmarks drive the services: alarms per second, latency, and
    CPU ms per alarm of its uvicorn process."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(TABLES)
    finally:
        await conn.close()
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 # started once, before the measurement
        [sys.executable, "-m", "uvicorn", "--factory", "bench.ceilings:ceiling_app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env={**os.environ, "CEILING_DATABASE_URL": database_url})
    try:
        wait_for_port(port, timeout_s=120)  # a loaded machine takes a while to import FastAPI
        connections = [KeepAliveConnection("127.0.0.1", port) for _ in range(concurrency)]
        await asyncio.gather(*(connection.open() for connection in connections))
        await _closed_loop(connections, min(1.0, seconds / 4))  # warm up: pool, prepared statements
        cpu_before = cpu_seconds(server.pid)
        latencies, elapsed = await _closed_loop(connections, seconds)
        cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / max(1, len(latencies))
        for connection in connections:
            connection.close()
    finally:
        server.terminate()
        server.wait(10)
    return {"per_s": round(len(latencies) / elapsed, 1), **summary_ms(latencies), "cpu_ms_per_op": round(cpu_ms, 3)}


async def _closed_loop(connections: list[KeepAliveConnection], seconds: float) -> tuple[list[float], float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(connection: KeepAliveConnection) -> None:
        while time.perf_counter() < deadline:
            body = {"id": str(uuid4()), "lat": -7.0, "lon": 110.4, "accuracy_m": 8.0, "category": "crime"}
            started = time.perf_counter()
            await connection.post_json("/alarms", body)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(connection) for connection in connections))
    return latencies, time.perf_counter() - started


async def kafka_ceiling(bootstrap_servers: str, messages: int, size: int = 600) -> dict[str, Any]:
    """Produce `messages` of `size` bytes (acks=all, idempotent, awaiting each batch) and consume them back:
    messages per second each way and CPU ms per message of this process."""
    topic = f"bench.ceiling.{uuid4().hex[:8]}"
    payload = b"x" * size
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True,
                                linger_ms=5)
    await producer.start()
    try:
        await (await producer.send(topic, b"warm-up", key=b"k"))
        cpu, started = time.process_time(), time.perf_counter()
        batch = [await producer.send(topic, payload, key=str(i % 64).encode()) for i in range(messages)]
        await asyncio.gather(*batch)
        produce_s, produce_cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        seen, cpu, started = 0, time.process_time(), time.perf_counter()
        while seen < messages + 1:
            batches = await consumer.getmany(timeout_ms=1000)
            seen += sum(len(records) for records in batches.values())
        consume_s, consume_cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await consumer.stop()
    return {"produce_per_s": round(messages / produce_s, 1),
            "produce_cpu_ms_per_msg": round(produce_cpu * 1000 / messages, 3),
            "consume_per_s": round(messages / consume_s, 1),
            "consume_cpu_ms_per_msg": round(consume_cpu * 1000 / messages, 3)}


def ratio(measured: float, ceiling: float) -> float:
    """What the service achieves of its bare ceiling (1.0: as fast as the bare tools)."""
    return round(measured / ceiling, 3) if ceiling else float("nan")


def cpu_ratio(service_cpu_ms: float, ceiling_cpu_ms: float) -> float:
    """How many times the bare ceiling's CPU per operation the service spends."""
    return round(service_cpu_ms / ceiling_cpu_ms, 2) if ceiling_cpu_ms else float("nan")
