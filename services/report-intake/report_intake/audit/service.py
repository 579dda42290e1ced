"""The audit log: every read of a report or referral, and every decision on one, is written down."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.crypto import Keyring, Sealed
from kentongan.paging import page_of, parse_cursor
from report_intake.audit import repository
from report_intake.audit.schemas import AuditPage, AuditQuery, AuditRecord
from report_intake.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who is acting: a reporter (by case token), a staff member or a partner agency's client."""

    kind: str  # "reporter", "staff", "partner"
    name: str
    reason: str | None = None
    agency: str | None = None
    keyring: Keyring | None = None  # seals the reason in the audit log (an actor with a reason carries it)


REPORTER = Actor(kind="reporter", name="reporter")


async def record(session: AsyncSession, actor: Actor, action: str, resource_type: str,
                 resource_ids: Iterable[UUID]) -> None:
    """Write one audit row per resource touched, in the request's transaction (the reason sealed)."""
    await repository.add_rows(session, [
        {"actor_kind": actor.kind, "actor": actor.name, "action": action, "resource_type": resource_type,
         "resource_id": str(resource_id), **_sealed_reason(actor, action, str(resource_id))}
        for resource_id in resource_ids
    ])


async def forget_what_it_held(session: AsyncSession, resource_ids: Iterable[UUID]) -> None:
    """An erased case: its audit rows keep who did what and when, never why in their words (the reasons)."""
    await repository.drop_reasons(session, [str(resource_id) for resource_id in resource_ids])


async def search(session: AsyncSession, keyring: Keyring, query: AuditQuery, limit: int,
                 after: str | None) -> AuditPage:
    """A page of audit rows matching the query, newest first, their reasons opened."""
    rows = await repository.search(session, query, limit, parse_cursor(after, int) if after else None)
    page = page_of(rows, limit, lambda entry: (entry.id,))
    return AuditPage(items=[_record(keyring, entry) for entry in page["items"]], next=page["next"])


def _record(keyring: Keyring, entry: AuditEntry) -> AuditRecord:
    return AuditRecord(id=entry.id, at=entry.at, actor_kind=entry.actor_kind, actor=entry.actor,
                       action=entry.action, resource_type=entry.resource_type, resource_id=entry.resource_id,
                       reason=_opened_reason(keyring, entry))


def _sealed_reason(actor: Actor, action: str, resource_id: str) -> dict:
    if actor.reason is None:
        return {"reason_key_id": None, "reason_sealed": None}
    if actor.keyring is None:
        raise ValueError("an actor giving a reason must carry the keyring that seals it")
    sealed = actor.keyring.seal(actor.reason.encode(), reason_aad(action, resource_id))
    return {"reason_key_id": sealed.key_id, "reason_sealed": sealed.blob}


def _opened_reason(keyring: Keyring, entry: AuditEntry) -> str | None:
    if entry.reason_key_id is None or entry.reason_sealed is None:
        return None
    sealed = Sealed(entry.reason_key_id, entry.reason_sealed)
    return keyring.open(sealed, reason_aad(entry.action, entry.resource_id)).decode()


def reason_aad(action: str, resource_id: str) -> bytes:
    """What a sealed reason is bound to: its audit row's action and resource."""
    return f"audit|{action}|{resource_id}".encode()
