"""Messages between a reporter and case workers, sealed at rest like the narrative."""

from datetime import UTC, datetime
from uuid import UUID

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.crypto import Sealed, associated_data
from kentongan.datakeys import Sealer
from kentongan.paging import page_of, parse_cursor
from report_intake.crypto import seal_json
from report_intake.messages import repository
from report_intake.messages.schemas import MessageOut, MessagePage
from report_intake.models import Message


async def post(session: AsyncSession, keyring: Sealer, report_id: UUID, author: str, body: str) -> MessageOut:
    """Store a message on a case."""
    message_id = uuid7()
    sealed = seal_json(keyring, {"body": body}, bound_to(message_id, report_id, author))
    message = Message(id=message_id, report_id=report_id, author=author, key_id=sealed.key_id, sealed=sealed.blob,
                      created_at=datetime.now(UTC))
    session.add(message)
    await session.flush()
    return MessageOut(id=message.id, author=author, body=body, created_at=message.created_at)


async def thread(session: AsyncSession, keyring: Sealer, report_id: UUID, limit: int, after: str | None,
                 authors: list[str] | None = None) -> MessagePage:
    """A page of a case's messages, oldest first; `authors` narrows them (an agency sees the reporter's and
    its own)."""
    rows = await repository.list_for_report(session, report_id, authors, limit,
                                            parse_cursor(after, datetime, UUID) if after else None)
    page = page_of(rows, limit, lambda message: (message.created_at, message.id))
    items = [MessageOut(id=m.id, author=m.author, created_at=m.created_at, body=_body(keyring, m))
             for m in page["items"]]
    return MessagePage(items=items, next=page["next"])


def bound_to(message_id: UUID, report_id: UUID, author: str) -> bytes:
    """A message's text opens only on its own row, case and author: moved to another case, or a case
    worker's words relabelled as the reporter's (or the reverse), it fails to open."""
    return associated_data("report_intake.message", message_id, report_id, author)


def _body(keyring: Sealer, message: Message) -> str:
    # Messages sealed before the binding was widened are bound to their row id alone; they still open.
    opened = keyring.open(Sealed(message.key_id, message.sealed),
                          bound_to(message.id, message.report_id, message.author), message.id.bytes)
    return orjson.loads(opened)["body"]
