"""Every query on published CAP alerts."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.db import any_of, row_arrays, rows_insert
from notifier.models import CapAlert

cap_table = CapAlert.__table__
ALERT_COLUMNS = ("id", "incident_id", "event_id", "occasion", "msg_type", "references", "headline", "document", "sent")
# Built once, the rows given at execution as arrays (`kentongan.db.rows_insert`): a batch's alerts in one execution.
INSERT_ALERTS = rows_insert(cap_table, ALERT_COLUMNS).on_conflict_do_nothing(index_elements=["occasion"])


async def add_many(session: AsyncSession, rows: list[dict]) -> None:
    """Publish alerts; one per occasion (a redelivered or repeated event adds nothing)."""
    if rows:
        values = [tuple(row[name] for name in ALERT_COLUMNS) for row in rows]
        await session.execute(INSERT_ALERTS, row_arrays(cap_table, ALERT_COLUMNS, values))


async def of_incidents(session: AsyncSession, incident_ids: Iterable[UUID]) -> Sequence[Row[UUID, UUID, datetime, str]]:
    """(incident_id, id, sent, occasion) of these incidents' alerts, oldest first: what a later one references,
    without loading every earlier document on each broadcast."""
    return (await session.execute(
        select(cap_table.c.incident_id, cap_table.c.id, cap_table.c.sent, cap_table.c.occasion)
        .where(cap_table.c.incident_id == any_of(incident_ids, Uuid)).order_by(cap_table.c.sent))).all()


async def get(session: AsyncSession, alert_id: UUID) -> CapAlert | None:
    return await session.get(CapAlert, alert_id)


async def newest(session: AsyncSession, limit: int) -> list[CapAlert]:
    return list(await session.scalars(select(CapAlert).order_by(CapAlert.sent.desc()).limit(limit)))
