"""The audit log: every read of a report or referral, and every decision on one, is written down."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from report_intake.audit import repository
from report_intake.audit.schemas import AuditQuery
from report_intake.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who is acting: a reporter (by case token), a staff member or a partner agency's client."""

    kind: str  # "reporter", "staff", "partner"
    name: str
    reason: str | None = None
    agency: str | None = None


REPORTER = Actor(kind="reporter", name="reporter")


async def record(session: AsyncSession, actor: Actor, action: str, resource_type: str,
                 resource_ids: Iterable[UUID]) -> None:
    """Write one audit row per resource touched, in the request's transaction."""
    await repository.add_rows(session, [
        {"actor_kind": actor.kind, "actor": actor.name, "action": action, "resource_type": resource_type,
         "resource_id": str(resource_id), "reason": actor.reason}
        for resource_id in resource_ids
    ])


async def search(session: AsyncSession, query: AuditQuery) -> list[AuditEntry]:
    """Audit rows matching the query, newest first."""
    return await repository.search(session, query)
