"""The idempotent-consumer inbox: a handled event's id commits with the handler's effects."""

from sqlalchemy import Column, DateTime, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import Envelope


def inbox_table(metadata: MetaData) -> Table:
    """The inbox table of one service, in that service's schema."""
    return Table(
        "inbox", metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(128), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def first_deliveries(session: AsyncSession, inbox: Table, envelopes: list[Envelope]) -> set[str]:
    """Record the events' ids in one statement; the ids not handled before (redeliveries are left out)."""
    result = await session.execute(
        insert(inbox).on_conflict_do_nothing(index_elements=["event_id"]).returning(inbox.c.event_id),
        [{"event_id": envelope.id, "event_type": envelope.type} for envelope in envelopes],
    )
    return set(result.scalars())
