"""Every query on the audit log."""

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.paging import keyset
from report_intake.audit.schemas import AuditQuery
from report_intake.models import AuditEntry


async def add_rows(session: AsyncSession, rows: list[dict]) -> None:
    if rows:
        await session.execute(insert(AuditEntry), rows)


async def search(session: AsyncSession, query: AuditQuery, limit: int, after: tuple[Any, ...] | None
                 ) -> list[AuditEntry]:
    """Up to limit + 1 rows matching the query, newest first, after the position `after`."""
    statement = select(AuditEntry)
    filters = {"resource_id": query.resource_id, "actor": query.actor, "action": query.action,
               "actor_kind": query.actor_kind}
    for column, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(AuditEntry, column) == value)
    if query.since is not None:
        statement = statement.where(AuditEntry.at >= query.since)
    return list(await session.scalars(keyset(statement, (AuditEntry.id,), after, limit, descending=True)))


async def drop_reasons(session: AsyncSession, resource_ids: list[str]) -> None:
    """Forget why people opened these resources; that they did stays."""
    await session.execute(update(AuditEntry).where(AuditEntry.resource_id.in_(resource_ids),
                                                   AuditEntry.reason_sealed.is_not(None))
                          .values(reason_key_id=None, reason_sealed=None))
