"""Every query on the alarm -> device memory."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.models import AlarmDevice


async def remember(session: AsyncSession, **values) -> None:
    await session.execute(insert(AlarmDevice).values(**values).on_conflict_do_nothing(index_elements=["alarm_id"]))


async def devices_of(session: AsyncSession, alarm_ids: list[UUID]) -> list[AlarmDevice]:
    return list(await session.scalars(select(AlarmDevice).where(AlarmDevice.alarm_id.in_(alarm_ids))))
