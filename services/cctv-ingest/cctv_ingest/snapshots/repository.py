"""Every query on incident focus areas (the places whose cameras are read often)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.models import IncidentFocus, SnapshotImage


async def open_focus(session: AsyncSession, incident_id: UUID, lat: float, lon: float, at: datetime) -> bool:
    """Start watching the incident's area; False when it was already watched (its snapshots were taken)."""
    opened = await session.execute(
        insert(IncidentFocus).values(incident_id=incident_id, lat=lat, lon=lon, opened_at=at)
        .on_conflict_do_nothing(index_elements=[IncidentFocus.incident_id]).returning(IncidentFocus.incident_id))
    return opened.first() is not None


async def close_focus(session: AsyncSession, incident_id: UUID, at: datetime) -> None:
    await session.execute(update(IncidentFocus).where(IncidentFocus.incident_id == incident_id)
                          .values(closed_at=at))


async def open_foci(session: AsyncSession) -> list[tuple[float, float]]:
    return [(row.lat, row.lon) for row in (await session.execute(
        select(IncidentFocus.lat, IncidentFocus.lon).where(IncidentFocus.closed_at.is_(None)))).all()]


async def keep_images(session: AsyncSession, incident_id: UUID, shots: list[tuple[str, str, datetime]]) -> None:
    """Record the incident's snapshots (blob ref, camera, time) for the retention run to delete in time."""
    if shots:
        await session.execute(insert(SnapshotImage).values([
            {"blob_ref": ref, "incident_id": incident_id, "camera_id": camera, "captured_at": at}
            for ref, camera, at in shots]).on_conflict_do_nothing(index_elements=[SnapshotImage.blob_ref]))
