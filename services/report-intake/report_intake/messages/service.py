"""Messages between a reporter and case workers, sealed at rest like the narrative."""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.crypto import Keyring
from report_intake.crypto import open_json, seal_json
from report_intake.messages import repository
from report_intake.messages.schemas import MessageOut
from report_intake.models import Message


async def post(session: AsyncSession, keyring: Keyring, report_id: UUID, author: str, body: str) -> MessageOut:
    """Store a message on a case."""
    message_id = uuid7()
    sealed = seal_json(keyring, {"body": body}, message_id.bytes)
    message = Message(id=message_id, report_id=report_id, author=author, key_id=sealed.key_id, sealed=sealed.blob,
                      created_at=datetime.now(UTC))
    session.add(message)
    await session.flush()
    return MessageOut(id=message.id, author=author, body=body, created_at=message.created_at)


async def thread(session: AsyncSession, keyring: Keyring, report_id: UUID,
                 authors: list[str] | None = None) -> list[MessageOut]:
    """A case's messages, oldest first; `authors` narrows them (an agency sees the reporter's and its own)."""
    messages = await repository.list_for_report(session, report_id, authors)
    return [MessageOut(id=m.id, author=m.author, created_at=m.created_at,
                       body=open_json(keyring, m.key_id, m.sealed, m.id.bytes)["body"]) for m in messages]
