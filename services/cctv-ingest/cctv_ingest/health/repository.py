"""Every query on camera health."""

from collections.abc import Sequence

from sqlalchemy import Row, case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.models import Camera, CameraHealth

HEALTH_COLUMNS = ("state", "last_frame_at", "state_changed_at", "width", "height", "codec", "fps",
                  "consecutive_failures", "snapshot_ref", "motion_score")


async def current(session: AsyncSession, camera_ids: Sequence[str]) -> dict[str, Row]:
    """Each existing camera's kecamatan and health (None columns when never read).

    The camera rows are locked (in id order, so two workers never deadlock) for the rare moment two workers
    both read a camera during a hand-over; the later one sees the other's state change.
    """
    rows = await session.execute(
        select(Camera.id, Camera.kecamatan, *[CameraHealth.__table__.c[name] for name in HEALTH_COLUMNS])
        .outerjoin(CameraHealth, CameraHealth.camera_id == Camera.id)
        .where(Camera.id.in_(camera_ids)).order_by(Camera.id).with_for_update(of=Camera, key_share=True))
    return {row.id: row for row in rows}


async def upsert(session: AsyncSession, rows: Sequence[dict]) -> None:
    """Write the new health of many cameras (executemany of one cached statement)."""
    if not rows:
        return
    statement = insert(CameraHealth)
    columns = {key: statement.excluded[key] for key in rows[0] if key != "camera_id"}
    await session.execute(statement.on_conflict_do_update(index_elements=[CameraHealth.camera_id], set_=columns),
                          list(rows))


async def counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(kecamatan, state, cameras) for every camera: never read ones are unknown, disabled ones disabled."""
    state = case((Camera.enabled.is_(False), "disabled"), else_=func.coalesce(CameraHealth.state, "unknown"))
    rows = await session.execute(
        select(Camera.kecamatan, state, func.count())
        .outerjoin(CameraHealth, CameraHealth.camera_id == Camera.id)
        .group_by(Camera.kecamatan, state))
    return [tuple(row) for row in rows.all()]
