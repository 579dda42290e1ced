"""Every query on case messages."""

from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.paging import keyset
from report_intake.models import Message


async def list_for_report(session: AsyncSession, report_id: UUID, authors: list[str] | None, limit: int,
                          after: tuple[Any, ...] | None) -> list[Message]:
    """Up to limit + 1 of a case's messages, oldest first (created_at, id), after the position `after`."""
    statement = select(Message).where(Message.report_id == report_id)
    if authors is not None:
        statement = statement.where(Message.author.in_(authors))
    return list(await session.scalars(keyset(statement, (Message.created_at, Message.id), after, limit)))


async def delete_for_report(session: AsyncSession, report_id: UUID) -> None:
    await session.execute(delete(Message).where(Message.report_id == report_id))
