"""The idempotent-consumer inbox: a handled event's id commits with the handler's effects."""

from functools import cache

from sqlalchemy import Column, DateTime, Insert, MetaData, String, Table, func
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.db import row_arrays, rows_insert
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
    result = await session.execute(_recording_statement(inbox), row_arrays(
        inbox, _RECORDED, [(envelope.id, envelope.type) for envelope in envelopes]))
    return set(result.scalars())


_RECORDED = ("event_id", "event_type")


@cache
def _recording_statement(inbox: Table) -> Insert:
    """Built once per inbox; the ids arrive as arrays, so a poll of any size is one statement with one text
    (one prepared statement, not one per batch size)."""
    return rows_insert(inbox, _RECORDED).on_conflict_do_nothing(index_elements=["event_id"]).returning(inbox.c.event_id)
