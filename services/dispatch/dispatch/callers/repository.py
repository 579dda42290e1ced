"""Every query on callers: profiles, who read them, call-backs."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.models import CallbackAttempt, CallerProfile, CallerRead, IncidentAlarm
from kentongan.paging import keyset

CALLBACKS_SHOWN = 50


async def keep_latest_profile(session: AsyncSession, device_id: UUID, key_id: str, sealed: bytes,
                              updated_at: datetime) -> None:
    """Store the device's profile unless a newer one is already here (events may arrive out of order)."""
    statement = insert(CallerProfile).values(device_id=device_id, key_id=key_id, sealed=sealed,
                                             updated_at=updated_at)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[CallerProfile.device_id],
        set_={"key_id": statement.excluded.key_id, "sealed": statement.excluded.sealed,
              "updated_at": statement.excluded.updated_at},
        where=CallerProfile.updated_at < statement.excluded.updated_at))


async def callers_of(session: AsyncSession, incident_id: UUID, limit: int) -> list[Row]:
    """The incident's alarms in order, each with its device's profile (sealed) when there is one."""
    rows = await session.execute(
        select(IncidentAlarm, CallerProfile.key_id, CallerProfile.sealed)
        .outerjoin(CallerProfile, CallerProfile.device_id == IncidentAlarm.device_id)
        .where(IncidentAlarm.incident_id == incident_id)
        .order_by(IncidentAlarm.raised_at).limit(limit))
    return list(rows)


async def count_alarms(session: AsyncSession, incident_id: UUID) -> int:
    return await session.scalar(select(func.count()).where(IncidentAlarm.incident_id == incident_id)) or 0


async def callbacks_of(session: AsyncSession, incident_id: UUID) -> list[CallbackAttempt]:
    return list(await session.scalars(
        select(CallbackAttempt).where(CallbackAttempt.incident_id == incident_id)
        .order_by(CallbackAttempt.id.desc()).limit(CALLBACKS_SHOWN)))


async def reads(session: AsyncSession, incident_id: UUID | None, limit: int,
                after: tuple[int] | None) -> list[CallerRead]:
    """Up to limit + 1 reads, newest first (by id), after the id `after` names."""
    query = select(CallerRead)
    if incident_id is not None:
        query = query.where(CallerRead.incident_id == incident_id)
    return list(await session.scalars(keyset(query, (CallerRead.id,), after, limit, descending=True)))
