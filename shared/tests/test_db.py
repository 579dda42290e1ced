"""Rows sent as arrays (`kentongan.db.insert_rows`) on the real database: stored as the table types them,
and a value the column cannot hold is refused, never cut to fit."""

from uuid import uuid4

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError

from kentongan.db import insert_rows, unit_of_work
from kentongan.dev.testing import tables_of

metadata = MetaData(schema="db_test")
notes = Table("notes", metadata, Column("id", Uuid, primary_key=True), Column("code", String(3), nullable=False),
              Column("detail", JSONB, nullable=True))
COLUMNS = ("id", "code", "detail")


@pytest.fixture(scope="module")
async def sessionmaker(settings):
    async with tables_of(settings, metadata) as sessionmaker:
        yield sessionmaker


async def test_rows_arrive_as_the_table_types_them(sessionmaker):
    rows = [(uuid4(), "abc", {"steps": [1, 2], "who": "rt-07"}), (uuid4(), "xy", None)]
    async with unit_of_work(sessionmaker) as session:
        await insert_rows(session, notes, COLUMNS, rows)

    async with sessionmaker() as session:
        stored = (await session.execute(select(notes).where(notes.c.id.in_([row[0] for row in rows])))).all()
    assert sorted(map(tuple, stored), key=str) == sorted(rows, key=str)


async def test_a_value_too_long_for_its_column_is_refused_not_cut(sessionmaker):
    kept = uuid4()
    with pytest.raises(DBAPIError, match="too long"):
        async with unit_of_work(sessionmaker) as session:
            await insert_rows(session, notes, COLUMNS, [(kept, "abc", None), (uuid4(), "abcdef", None)])

    async with sessionmaker() as session:
        assert await session.scalar(select(notes.c.id).where(notes.c.id == kept)) is None  # all or nothing


async def test_a_database_error_never_shows_the_values_it_was_given(sessionmaker):
    """Errors are logged; the values of a failed statement may be a case's text or a reporter's phone."""
    secret = f"korban-{uuid4().hex[:8]}"
    with pytest.raises(DBAPIError) as failed:
        async with unit_of_work(sessionmaker) as session:
            await insert_rows(session, notes, COLUMNS, [(uuid4(), "abcdef", {"note": secret})])
    assert "too long" in str(failed.value) and secret not in str(failed.value) and secret not in repr(failed.value)
