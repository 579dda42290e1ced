"""Worker heartbeats and the registry view the scheduler needs."""

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.models import Camera, IngestWorker


async def heartbeat(session: AsyncSession, worker_id: str, ttl: timedelta, live_url: str | None = None) -> list[str]:
    """Mark this worker alive (and where it serves live video); the ids of every worker alive now."""
    await session.execute(insert(IngestWorker).values(id=worker_id, live_url=live_url).on_conflict_do_update(
        index_elements=[IngestWorker.id], set_={"heartbeat_at": func.now(), "live_url": live_url}))
    await session.execute(delete(IngestWorker).where(IngestWorker.heartbeat_at < func.now() - ttl * 10))
    rows = await session.scalars(select(IngestWorker.id).where(IngestWorker.heartbeat_at >= func.now() - ttl))
    return sorted(rows)


async def live_urls(session: AsyncSession, ttl: timedelta) -> dict[str, str | None]:
    """Every live worker's id and where it serves live video."""
    rows = await session.execute(select(IngestWorker.id, IngestWorker.live_url)
                                 .where(IngestWorker.heartbeat_at >= func.now() - ttl))
    return {worker: url for worker, url in rows.tuples()}


async def leave(session: AsyncSession, worker_id: str) -> None:
    """Hand this worker's cameras over at once instead of after its heartbeat expires."""
    await session.execute(delete(IngestWorker).where(IngestWorker.id == worker_id))


async def enabled_cameras(session: AsyncSession):
    return (await session.execute(
        select(Camera.id, Camera.stream_url, Camera.priority, Camera.lat, Camera.lon).where(Camera.enabled)
    )).all()
