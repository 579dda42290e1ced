"""cctv-ingest: the camera registry, camera health, and snapshots where an incident happens."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import FastAPI

from cctv_ingest.cameras.router import IMPORT_PATH
from cctv_ingest.cameras.router import router as cameras_router
from cctv_ingest.consumers import handlers
from cctv_ingest.health.router import router as health_router
from cctv_ingest.ingest.limits import read_limits
from cctv_ingest.ingest.scheduler import IngestScheduler
from cctv_ingest.live.hub import HubLimits, LiveHub
from cctv_ingest.live.router import router as live_router
from cctv_ingest.metrics import export_camera_states
from cctv_ingest.models import SCHEMA, inbox, outbox
from cctv_ingest.settings import Settings
from cctv_ingest.snapshots.capture import SnapshotCapture
from cctv_ingest.snapshots.router import router as snapshots_router
from kentongan.blobs import OBJECT_STORE_DOWN, BlockingBlobs, blob_store_from_settings, close_at_shutdown
from kentongan.consumer import EventConsumer
from kentongan.events import topics
from kentongan.outbox import OutboxRelay
from kentongan.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="cctv-ingest", schema=SCHEMA, port=8003, app="cctv_ingest.main:create_app",
    migrations=Path(__file__).parent / "migrations",
    topics=(topics.INCIDENTS, topics.CCTV_SNAPSHOTS, topics.CCTV_HEALTH), consumes=(topics.INCIDENTS,),
    demo="cctv_ingest.demo:load", blob_store="cctv_ingest.snapshots.blobs:configured_store",
)


async def relay_outbox(app: FastAPI) -> None:
    await OutboxRelay(settings=app.state.settings, sessionmaker=app.state.sessionmaker, outbox=outbox,
                      producer_factory=app.state.producer_factory).run()


async def consume_incidents(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    limits = read_limits(settings)
    blobs = BlockingBlobs(app.state.blob_store, asyncio.get_running_loop())
    with ThreadPoolExecutor(settings.incident_cameras, thread_name_prefix="incident-capture") as pool:
        capture = SnapshotCapture(blobs, limits, pool)
        await EventConsumer(settings=settings, service=SPEC.name, group_id="cctv-ingest",
                            topics=list(SPEC.consumes), handlers=handlers(capture, settings),
                            sessionmaker=app.state.sessionmaker, inbox=inbox, health=app.state.health).run()


async def ingest_cameras(app: FastAPI) -> None:
    if app.state.settings.ingest_enabled:
        app.state.scheduler = IngestScheduler(app.state.settings, app.state.sessionmaker,
                                              BlockingBlobs(app.state.blob_store, asyncio.get_running_loop()))
        await app.state.scheduler.run()


async def close_blob_store(app: FastAPI) -> None:
    await close_at_shutdown(app.state.blob_store)


async def serve_live(app: FastAPI) -> None:
    """Nothing to do but close every live upstream when the worker stops."""
    try:
        await asyncio.Event().wait()
    finally:
        app.state.live_hub.stop()


def live_hub(settings: Settings) -> LiveHub:
    return LiveHub(read_limits(settings), HubLimits(
        settings.max_live_cameras, settings.max_live_viewers, settings.live_grace_s, settings.live_viewer_buffer_bytes,
        settings.live_jpeg_interval_s, settings.open_timeout_s + settings.read_timeout_s))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        spec=SPEC, settings=settings, routers=[health_router, cameras_router, snapshots_router, live_router],
        workers=[relay_outbox, consume_incidents, ingest_cameras, export_camera_states, close_blob_store,
                 serve_live],
        title="Kentongan cctv-ingest",
        description="11,000 cameras: registry, nearby search, health, and snapshots near incidents.",
        body_limits={IMPORT_PATH: settings.max_import_bytes},
    )
    app.state.blob_store = blob_store_from_settings(settings)
    app.state.live_hub = live_hub(settings)
    # Without it no snapshot near an incident can be kept or shown: not ready, as without the database.
    app.state.health.depend_on("blob_store", app.state.blob_store.check, OBJECT_STORE_DOWN)
    return app
