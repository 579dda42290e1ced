"""The live-session audit rows: issued, started (once), ended."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.models import LiveSession


async def issued(session: AsyncSession, session_id: UUID, camera_id: str, subject: str, mode: str) -> None:
    await session.execute(insert(LiveSession).values(id=session_id, camera_id=camera_id, subject=subject,
                                                     mode=mode))


async def start(session: AsyncSession, session_id: UUID) -> bool:
    """Mark the session started; False when it already was (a ticket starts one stream only)."""
    started = await session.scalar(update(LiveSession).where(LiveSession.id == session_id,
                                                             LiveSession.started_at.is_(None))
                                   .values(started_at=func.now()).returning(LiveSession.id))
    return started is not None


async def end(session: AsyncSession, session_id: UUID, reason: str) -> None:
    await session.execute(update(LiveSession).where(LiveSession.id == session_id, LiveSession.ended_at.is_(None))
                          .values(ended_at=func.now(), end_reason=reason[:300]))


async def of_camera(session: AsyncSession, camera_id: str, since: datetime) -> list[LiveSession]:
    """The camera's sessions issued since `since`, oldest first (audit review, tests)."""
    rows = await session.scalars(select(LiveSession).where(LiveSession.camera_id == camera_id,
                                                          LiveSession.issued_at >= since)
                                 .order_by(LiveSession.issued_at))
    return list(rows)
