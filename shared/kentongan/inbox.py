"""The idempotent-consumer inbox: a handled event's id commits with the handler's effects."""

from functools import cache

from sqlalchemy import ARRAY, Column, DateTime, Insert, MetaData, String, Table, bindparam, func, select
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
    result = await session.execute(_recording_statement(inbox), {
        "event_ids": [envelope.id for envelope in envelopes],
        "event_types": [envelope.type for envelope in envelopes],
    })
    return set(result.scalars())


@cache
def _recording_statement(inbox: Table) -> Insert:
    """Built once per inbox; the ids arrive as arrays, so a poll of any size is one statement with one text
    (one prepared statement, not one per batch size)."""
    received = func.unnest(bindparam("event_ids", type_=ARRAY(String)), bindparam("event_types", type_=ARRAY(String))
                           ).table_valued("event_id", "event_type").render_derived()
    return (insert(inbox).from_select(["event_id", "event_type"], select(received.c.event_id, received.c.event_type))
            .on_conflict_do_nothing(index_elements=["event_id"]).returning(inbox.c.event_id))
