"""Every query on the alarm -> device memory."""

from uuid import UUID

from sqlalchemy import case, literal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.models import AlarmDevice

MILESTONE_ORDER = ("received", "acknowledged", "unit_on_the_way")


def _rank(column):
    return case({m: i for i, m in enumerate(MILESTONE_ORDER)}, value=column, else_=-1)


async def remember_device(session: AsyncSession, alarm_id: UUID, device_id: UUID, push_token: str | None,
                          raised_at) -> AlarmDevice:
    """Record the alarm's device; returns the row, with any milestone its incident already reached."""
    statement = insert(AlarmDevice).values(alarm_id=alarm_id, device_id=device_id, push_token=push_token,
                                           raised_at=raised_at, silent=False)
    return await session.scalar(statement.on_conflict_do_update(
        index_elements=["alarm_id"], set_={"device_id": device_id, "push_token": push_token, "raised_at": raised_at},
    ).returning(AlarmDevice))


async def advance(session: AsyncSession, alarm_ids: list[UUID], milestone: str, silent: bool) -> list[AlarmDevice]:
    """Move the alarms to `milestone` unless they are past it; the rows that moved (device known or not)."""
    statement = insert(AlarmDevice).values([{"alarm_id": a, "milestone": milestone, "silent": silent}
                                            for a in alarm_ids])
    moved = statement.on_conflict_do_update(
        index_elements=["alarm_id"], set_={"milestone": milestone, "silent": AlarmDevice.silent | silent},
        where=_rank(AlarmDevice.milestone) < _rank(literal(milestone)),
    ).returning(AlarmDevice)
    return list(await session.scalars(moved))
