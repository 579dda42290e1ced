"""cctv-ingest's own Prometheus metrics, refreshed from the health table."""

import asyncio

from fastapi import FastAPI
from prometheus_client import Counter, Gauge

from cctv_ingest.health import repository
from kentongan.db import unit_of_work

CAMERAS = Gauge("cctv_ingest_cameras", "Registered cameras by health state and kecamatan", ["state", "area"])
LIVE_CAMERAS = Gauge("cctv_ingest_live_cameras", "Cameras this worker streams live (one upstream each)")
LIVE_VIEWERS = Gauge("cctv_ingest_live_viewers", "Live viewers this worker serves")
LIVE_DROPPED = Counter("cctv_ingest_live_dropped_viewers_total", "Live viewers dropped for falling behind")
REFRESH_S = 15.0


async def export_camera_states(app: FastAPI) -> None:
    """Keep the per-state, per-area camera counts current for dashboards and the many-offline alert."""
    while True:
        async with unit_of_work(app.state.sessionmaker) as session:
            rows = await repository.counts(session)
        CAMERAS.clear()
        for area, state, cameras in rows:
            CAMERAS.labels(state, area or "unknown").set(cameras)
        await asyncio.sleep(REFRESH_S)
