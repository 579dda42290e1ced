"""The idempotent-consumer inbox: a handled event's id commits with the handler's effects."""

from sqlalchemy import Column, DateTime, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


def inbox_table(metadata: MetaData) -> Table:
    """The inbox table of one service, in that service's schema."""
    return Table(
        "inbox", metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(128), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def first_delivery(session: AsyncSession, inbox: Table, event_id: str, event_type: str) -> bool:
    """Record the event id; False when it was already handled (a redelivery)."""
    result = await session.execute(
        insert(inbox).values(event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing(index_elements=["event_id"]).returning(inbox.c.event_id)
    )
    return result.first() is not None
