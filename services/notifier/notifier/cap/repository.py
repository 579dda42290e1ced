"""Every query on published CAP alerts."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.models import CapAlert

# Built once, the row given at execution: `.values(**row)` made a new statement, and its cache key, per alert.
INSERT_ALERT = insert(CapAlert).on_conflict_do_nothing(index_elements=["occasion"])


async def add(session: AsyncSession, row: dict) -> None:
    """Publish an alert; one per occasion (a redelivered or repeated event adds nothing)."""
    await session.execute(INSERT_ALERT, row)


async def of_incident(session: AsyncSession, incident_id: UUID) -> Sequence[Row[UUID, datetime, str]]:
    """(id, sent, occasion) of the incident's alerts, oldest first: what a later one references, without
    loading every earlier document on each broadcast."""
    return (await session.execute(select(CapAlert.id, CapAlert.sent, CapAlert.occasion)
                                  .where(CapAlert.incident_id == incident_id).order_by(CapAlert.sent))).all()


async def get(session: AsyncSession, alert_id: UUID) -> CapAlert | None:
    return await session.get(CapAlert, alert_id)


async def newest(session: AsyncSession, limit: int) -> list[CapAlert]:
    return list(await session.scalars(select(CapAlert).order_by(CapAlert.sent.desc()).limit(limit)))
