"""Every query on camera health."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.models import Camera, CameraHealth


async def current(session: AsyncSession, camera_ids: Sequence[str]) -> dict[str, CameraHealth]:
    """The health rows of these cameras, locked until the transaction ends."""
    rows = await session.scalars(select(CameraHealth).where(CameraHealth.camera_id.in_(camera_ids))
                                 .with_for_update())
    return {row.camera_id: row for row in rows}


async def kecamatan_of(session: AsyncSession, camera_ids: Sequence[str]) -> dict[str, str]:
    rows = await session.execute(select(Camera.id, Camera.kecamatan).where(Camera.id.in_(camera_ids)))
    return dict(rows.tuples().all())


async def upsert(session: AsyncSession, rows: Sequence[dict]) -> None:
    """Write the new health of many cameras in one statement."""
    if not rows:
        return
    statement = insert(CameraHealth).values(list(rows))
    columns = {key: statement.excluded[key] for key in rows[0] if key != "camera_id"}
    await session.execute(statement.on_conflict_do_update(index_elements=[CameraHealth.camera_id], set_=columns))


async def counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(kecamatan, state, cameras) for every enabled camera; never read cameras count as unknown."""
    state = func.coalesce(CameraHealth.state, "unknown")
    rows = await session.execute(
        select(Camera.kecamatan, state, func.count())
        .outerjoin(CameraHealth, CameraHealth.camera_id == Camera.id)
        .where(Camera.enabled).group_by(Camera.kecamatan, state))
    return [tuple(row) for row in rows.all()]
