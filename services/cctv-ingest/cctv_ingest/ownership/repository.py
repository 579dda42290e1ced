"""Worker heartbeats and the registry view the scheduler needs."""

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.models import Camera, IngestWorker


async def heartbeat(session: AsyncSession, worker_id: str, ttl: timedelta) -> list[str]:
    """Mark this worker alive; the ids of every worker alive now (this one included)."""
    await session.execute(insert(IngestWorker).values(id=worker_id).on_conflict_do_update(
        index_elements=[IngestWorker.id], set_={"heartbeat_at": func.now()}))
    await session.execute(delete(IngestWorker).where(IngestWorker.heartbeat_at < func.now() - ttl * 10))
    rows = await session.scalars(select(IngestWorker.id).where(IngestWorker.heartbeat_at >= func.now() - ttl))
    return sorted(rows)


async def leave(session: AsyncSession, worker_id: str) -> None:
    """Hand this worker's cameras over at once instead of after its heartbeat expires."""
    await session.execute(delete(IngestWorker).where(IngestWorker.id == worker_id))


async def enabled_cameras(session: AsyncSession):
    return (await session.execute(
        select(Camera.id, Camera.stream_url, Camera.priority, Camera.lat, Camera.lon).where(Camera.enabled)
    )).all()
