"""Ownership through the database: a worker that joins takes a share, and when it dies the share comes back."""

import asyncio
import contextlib
from datetime import timedelta
from uuid import uuid4

from sqlalchemy import func, select

from cctv_ingest.models import Camera
from cctv_ingest.ownership.repository import heartbeat
from kentongan.db import unit_of_work
from kentongan.dev.testing import eventually


async def test_a_dead_workers_cameras_move_back_to_the_live_one(cctv, admin, camera_body, fake_camera):
    app = cctv.app
    scheduler = app.state.scheduler
    url = fake_camera().url
    for _ in range(12):
        await cctv.post("/v1/cameras", json=camera_body(stream_url=url, enabled=True), headers=admin)
    # Alone, it owns every enabled camera, earlier tests' included. (Waiting for "12 or more" could catch a
    # registry refresh that had seen only some of them, and the share taken later was then not below it.)
    total = await _enabled_cameras(app.state.sessionmaker)
    alone = await eventually(lambda: _async(scheduler.owned if scheduler.owned == total else None), timeout_s=30)

    # A second worker joins and heartbeats like a live one until it has taken its share, then dies silently.
    other = asyncio.create_task(_beat(app.state.sessionmaker, f"worker-that-dies-{uuid4()}"))
    try:
        shared = await eventually(lambda: _async(scheduler.owned if scheduler.owned < alone else None),
                                  timeout_s=30)
    finally:
        other.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await other
    assert 0 < shared < alone
    await eventually(lambda: _async(scheduler.owned >= alone), timeout_s=30)  # its heartbeat expired


async def _enabled_cameras(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Camera).where(Camera.enabled))


async def _beat(sessionmaker, worker_id: str) -> None:
    while True:
        async with unit_of_work(sessionmaker) as session:
            await heartbeat(session, worker_id, timedelta(seconds=5))
        await asyncio.sleep(0.3)


async def _async(value):
    return value
