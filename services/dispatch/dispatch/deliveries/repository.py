"""Every query on incident deliveries."""

from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.deliveries.schemas import DeliveryCount
from dispatch.models import IncidentDelivery
from kentongan.events.deliveries import FINAL_STATUSES, STATUS_RANK

_table = IncidentDelivery.__table__


def _rank(status: Any) -> Any:
    return case(STATUS_RANK, value=status, else_=0)


async def record(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert or move on each delivery's state in one statement (one row per delivery id), by the rule of
    `kentongan.events.deliveries.advances`, so a late or repeated event never moves a state back."""
    if not rows:
        return
    statement = insert(_table).values(rows)
    current, new = _table.c.status, statement.excluded.status
    moves_on = (current.not_in(FINAL_STATUSES) & (current != new)
                & (((new == "failed") & current.not_in(("delivered", "read")))
                   | ((new != "failed") & (_rank(new) > _rank(current)))))
    await session.execute(statement.on_conflict_do_update(
        index_elements=[_table.c.delivery_id], set_={"status": new, "at": statement.excluded.at}, where=moves_on))


async def counts_of(session: AsyncSession, incident_id: UUID) -> list[DeliveryCount]:
    """At most one row per channel and state, however many alerts went out."""
    rows = await session.execute(
        select(_table.c.channel, _table.c.status, func.count().label("count"), func.max(_table.c.at).label("last_at"))
        .where(_table.c.incident_id == incident_id)
        .group_by(_table.c.channel, _table.c.status).order_by(_table.c.channel, _table.c.status))
    return [DeliveryCount(channel=r.channel, status=r.status, count=r.count, last_at=r.last_at) for r in rows]
