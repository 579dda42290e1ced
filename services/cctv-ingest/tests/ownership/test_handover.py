"""Ownership through the database: a worker that joins takes a share, and when it dies the share comes back."""

from uuid import uuid4

from sqlalchemy import insert

from cctv_ingest.models import IngestWorker
from kentongan.db import unit_of_work
from kentongan.testing import eventually


async def test_a_dead_workers_cameras_move_back_to_the_live_one(cctv, admin, camera_body, fake_camera):
    app = cctv._transport.app  # noqa: SLF001  (the worker of the app under test)
    scheduler = app.state.scheduler
    url = fake_camera().url
    for _ in range(12):
        await cctv.post("/v1/cameras", json=camera_body(stream_url=url, enabled=True), headers=admin)
    alone = await eventually(lambda: _async(scheduler.owned if scheduler.owned >= 12 else None))

    async with unit_of_work(app.state.sessionmaker) as session:  # a second worker joins, then dies silently
        await session.execute(insert(IngestWorker).values(id=f"worker-that-dies-{uuid4()}"))
    shared = await eventually(lambda: _async(scheduler.owned if scheduler.owned < alone else None))
    assert 0 < shared < alone
    await eventually(lambda: _async(scheduler.owned >= alone), timeout_s=20)  # its heartbeat expired


async def _async(value):
    return value
