"""What every service has in common: its description, its app factory, health, and background workers."""

import asyncio
import gc
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from kentongan import retention
from kentongan.checks import refuse_weak_production
from kentongan.db import create_engine, create_sessionmaker
from kentongan.errors import NotFound, Unauthorized, install_error_handlers
from kentongan.headers import SecurityHeadersMiddleware
from kentongan.health import Health
from kentongan.kafka import broker_reachable, create_producer
from kentongan.logging import configure_logging
from kentongan.middleware import BodyLimitMiddleware, MetricsMiddleware
from kentongan.openapi import install_contract, operation_id
from kentongan.settings import ServiceSettings

log = logging.getLogger(__name__)


# Collect young objects after 50,000 net allocations instead of 700. Almost everything a request allocates is
# freed by reference counting, so the cycle collector mostly walked live objects: under load at ~1,400
# alarms/s it ran ~120 times a second, with a full collection every ~0.6 s stalling the event loop 10-25 ms
# (the caches of device tokens and rate-limit windows grow with the devices seen). With these thresholds it
# ran 6 times in a 15-s run, and the gateway spent ~10% less CPU per alarm.
GC_THRESHOLDS = (50_000, 20, 100)


@dataclass(frozen=True)
class ServiceSpec:
    """How the platform finds, migrates and starts a service (entry point group `kentongan.services`)."""

    name: str  # "alarm-gateway"
    schema: str  # "alarm_gateway"
    port: int
    app: str  # "alarm_gateway.main:create_app" (a factory)
    migrations: Path  # the Alembic script folder
    topics: tuple[str, ...] = ()  # topics it produces or consumes
    consumes: tuple[str, ...] = ()  # of those, the ones its consumer reads (the rest it produces)
    demo: str | None = None  # "pkg.demo:load", an async function(base_url, settings) loading demo data
    data_keys: str | None = None  # "pkg.module:NAME", its kentongan.datakeys.DataKeyTable (`kentongan keys`)
    # "pkg.module:function" returning its blob store (an object with `delete(ref)`), for the retention run to
    # delete the files of the records it deletes
    blob_store: str | None = None

    @property
    def settings_module(self) -> str:
        """Where its `Settings` class lives: `<package>.settings`, beside the app factory's package."""
        return f"{self.app.split('.')[0]}.settings"


def installed_services() -> list[ServiceSpec]:
    """Every installed service, in port order."""
    from importlib.metadata import entry_points

    specs = [ep.load() for ep in entry_points(group="kentongan.services")]
    return sorted(specs, key=lambda spec: spec.port)


Worker = Callable[[FastAPI], Awaitable[None]]


def create_service_app(*, spec: ServiceSpec, settings: ServiceSettings, routers: Iterable[APIRouter],
                       workers: Iterable[Worker] = (), title: str, description: str = "",
                       version: str = "1.0.0", body_limits: dict[str, int] | None = None) -> FastAPI:
    """A FastAPI app with the platform's errors, metrics, security headers, health, body limit and supervised
    workers.

    `body_limits` raises (or lowers) the body limit for exact paths, such as a bulk import endpoint.
    In production it refuses weak settings (WeakProductionSettings, see kentongan.checks).
    """
    configure_logging(spec.name, settings.log_level)
    refuse_weak_production(settings, spec.name)
    # Every service applies its part of the retention policy on a schedule (kentongan.retention).
    workers = [*workers, retention.scheduled(spec.name)]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings.database_url, settings.database_pool_size)
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        app.state.producer_factory = lambda: create_producer(settings, spec.name)
        tasks = [asyncio.create_task(_supervise(worker, app), name=worker.__name__) for worker in workers]
        # Everything loaded so far lives as long as the process; a full garbage collection walking it all took
        # up to ~90 ms under load (a latency spike for every request in flight). Frozen, it is skipped.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                # A worker stuck closing a broker connection must not hold up shutdown for ever.
                await asyncio.wait(tasks, timeout=10)
            await app.state.engine.dispose()

    docs = settings.api_docs
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  generate_unique_id_function=operation_id,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  openapi_url="/openapi.json" if docs else None)
    # Security schemes, error responses and examples for every route, those added later by any router too.
    install_contract(app)
    app.state.settings = settings
    app.state.spec = spec
    app.state.health = Health(spec.name)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, path_limits=body_limits)
    app.add_middleware(MetricsMiddleware, service=spec.name)
    # Outermost, so that every answer (a 413 from the body limit too) carries the browser security headers.
    app.add_middleware(SecurityHeadersMiddleware)
    # Routes are matched in order, each miss costing a little on every request: the service's own first (the
    # hot ones first in `routers`), the probes and metrics scrapes last.
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(settings))
    return app


async def _supervise(worker: Worker, app: FastAPI) -> None:
    """Run a background worker for the app's lifetime, restarting it if it crashes."""
    while True:
        try:
            await worker(app)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker %s crashed; restarting", worker.__name__)
            await asyncio.sleep(1.0)


def health_router(settings: ServiceSettings) -> APIRouter:
    router = APIRouter(tags=["health"])
    metrics_allowed = _metrics_access(settings)

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: the database, the broker and the service's other stores (the "
                                   "object store) are reachable, and its background work makes progress")
    async def readyz(request: Request) -> JSONResponse:
        reasons = {}
        if not await _database_ok(request):
            reasons["database"] = "the database does not answer"
        if not await broker_reachable(request.app.state.settings):
            reasons["broker"] = "no bootstrap server accepts a connection"
        health: Health = request.app.state.health
        dependencies = await health.unreachable()
        reasons.update(dependencies)
        problems = health.problems()
        reasons.update({check: problem.reason for check, problem in problems.items()})
        ready = all(check in problems and not problems[check].blocking for check in reasons)
        checks = {"database": "database" not in reasons, "broker": "broker" not in reasons}
        checks.update({check: check not in dependencies for check in health.dependencies})
        checks.update({check: False for check in problems})
        body: dict[str, object] = {"status": "unavailable" if not ready else "degraded" if reasons else "ready",
                                   "checks": checks}
        if reasons:
            body["reasons"] = reasons
        return JSONResponse(body, 200 if ready else 503)

    @router.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        metrics_allowed(request)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _metrics_access(settings: ServiceSettings) -> Callable[[Request], None]:
    """Who may read /metrics: anyone when public; else whoever presents the metrics token (Prometheus'
    `authorization` setting), compared in constant time; without a token nobody (404, as if absent)."""
    token = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None

    def allowed(request: Request) -> None:
        if settings.metrics_public:
            return
        if token is None:
            raise NotFound("metrics are not exposed")
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), token):
            raise Unauthorized("metrics need the metrics token")

    return allowed


async def _database_ok(request: Request) -> bool:
    try:
        async with request.app.state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), 2.0)
        return True
    except Exception:  # noqa: BLE001 # any failure means not ready; the reason is in the database's own logs
        return False


def load(reference: str) -> Any:
    """The object a "pkg.module:NAME" reference names."""
    from importlib import import_module

    module, _, name = reference.partition(":")
    return getattr(import_module(module), name)
