"""Every query on case messages."""

from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from report_intake.models import Message


async def list_for_report(session: AsyncSession, report_id: UUID, authors: list[str] | None) -> list[Message]:
    statement = select(Message).where(Message.report_id == report_id).order_by(Message.created_at, Message.id)
    if authors is not None:
        statement = statement.where(Message.author.in_(authors))
    return list(await session.scalars(statement))


async def delete_for_report(session: AsyncSession, report_id: UUID) -> None:
    await session.execute(delete(Message).where(Message.report_id == report_id))
