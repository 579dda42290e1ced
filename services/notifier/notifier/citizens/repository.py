"""Every query on the alarm -> device memory."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Uuid, case, literal, or_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.db import any_of
from notifier.models import AlarmDevice

MILESTONE_ORDER = ("received", "acknowledged", "unit_on_the_way")


def _rank(column):
    return case({m: i for i, m in enumerate(MILESTONE_ORDER)}, value=column, else_=-1)


async def remember_device(session: AsyncSession, alarm_id: UUID, device_id: UUID, push_token: str | None,
                          raised_at) -> AlarmDevice:
    """Record the alarm's device; returns the row, with any milestone its incident already reached."""
    statement = insert(AlarmDevice).values(alarm_id=alarm_id, device_id=device_id, push_token=push_token,
                                           raised_at=raised_at, silent=False)
    # populate_existing: the row as it is now, even if this transaction loaded it before `advance` (a Core
    # UPDATE) moved it on.
    return (await session.scalars(statement.on_conflict_do_update(
        index_elements=["alarm_id"], set_={"device_id": device_id, "push_token": push_token, "raised_at": raised_at},
    ).returning(AlarmDevice).execution_options(populate_existing=True))).one()


async def forget_device(session: AsyncSession, device_id: UUID) -> None:
    """The device erased itself: its alarms keep their incident and milestone (statistics), not the device or
    its push token."""
    await session.execute(update(AlarmDevice).where(AlarmDevice.device_id == device_id)
                          .values(device_id=None, push_token=None))


async def place(session: AsyncSession, alarm_ids: set[UUID], incident_id: UUID) -> None:
    """Remember which incident these alarms were placed in (a row per alarm, device known or not yet)."""
    await place_many(session, dict.fromkeys(alarm_ids, incident_id))


async def place_many(session: AsyncSession, incident_of: dict[UUID, UUID]) -> None:
    """`place` for alarms of several incidents: alarm id -> the incident it was placed in."""
    if incident_of:
        statement = insert(AlarmDevice).values([{"alarm_id": a, "incident_id": incident_of[a], "silent": False}
                                                for a in sorted(incident_of)])
        await session.execute(statement.on_conflict_do_update(index_elements=["alarm_id"],
                                                              set_={"incident_id": statement.excluded.incident_id}))


async def advance(session: AsyncSession, alarm_ids: set[UUID], incident_ids: set[UUID], milestone: str,
                  silent: bool) -> Sequence[Row[Any]]:
    """Move to `milestone` the alarms named and every alarm placed in the incidents named, unless they are past
    it; the rows that moved (device known or not). A Core statement: the ORM's bulk UPDATE synchronises the
    session first, a cost on every incident event for nothing loaded."""
    table = AlarmDevice.__table__
    concerned = or_(table.c.alarm_id == any_of(alarm_ids, Uuid), table.c.incident_id == any_of(incident_ids, Uuid))
    moved = (update(table).where(concerned, _rank(table.c.milestone) < _rank(literal(milestone)))
             .values(milestone=milestone, silent=table.c.silent | silent)
             .returning(table.c.alarm_id, table.c.incident_id, table.c.device_id, table.c.push_token,
                        table.c.milestone, table.c.silent))
    return (await session.execute(moved)).all()
