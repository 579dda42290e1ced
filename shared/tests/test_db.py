"""Rows sent as arrays (`kentongan.db.insert_rows`) on the real database: stored as the table types them,
and a value the column cannot hold is refused, never cut to fit. A row fetched for update
(`get_for_update_or_404`) makes concurrent changes take turns, and a missing one is the caller's 404. Work
outside the database registered with `on_rollback` is undone when the unit of work does not commit, whether
its block or the commit itself fails, and only then."""

import asyncio
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kentongan.db import get_for_update_or_404, insert_rows, on_rollback, unit_of_work
from kentongan.dev.testing import tables_of
from kentongan.errors import NotFound

metadata = MetaData(schema="db_test")
notes = Table("notes", metadata, Column("id", Uuid, primary_key=True), Column("code", String(3), nullable=False),
              Column("detail", JSONB, nullable=True))
COLUMNS = ("id", "code", "detail")


class Base(DeclarativeBase):
    metadata = metadata


class Counter(Base):
    __tablename__ = "counters"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    value: Mapped[int]


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


async def test_rows_fetched_for_update_take_turns_and_a_missing_one_is_the_callers_404(sessionmaker):
    counter = uuid4()
    async with unit_of_work(sessionmaker) as session:
        session.add(Counter(id=counter, value=0))

    async def increment() -> None:
        async with unit_of_work(sessionmaker) as session:
            row = await get_for_update_or_404(session, Counter, counter, NotFound("no counter"))
            seen = row.value
            await asyncio.sleep(0.2)  # without the lock, both would read 0 and write 1
            row.value = seen + 1

    await asyncio.gather(increment(), increment())
    async with sessionmaker() as session:
        assert (await session.get(Counter, counter)).value == 2

    async with sessionmaker() as session:
        with pytest.raises(NotFound, match="no counter"):
            await get_for_update_or_404(session, Counter, uuid4(), NotFound("no counter"))


async def test_work_outside_the_database_is_undone_only_when_the_unit_of_work_does_not_commit(sessionmaker):
    undone: list[str] = []

    async def undo(name: str) -> None:
        undone.append(name)

    async with unit_of_work(sessionmaker) as session:
        on_rollback(session, lambda: undo("committed"))
        await insert_rows(session, notes, COLUMNS, [(uuid4(), "ok", None)])
    with pytest.raises(RuntimeError):
        async with unit_of_work(sessionmaker) as session:
            on_rollback(session, lambda: undo("block failed"))
            raise RuntimeError("the request failed")
    with pytest.raises(DBAPIError):
        async with unit_of_work(sessionmaker) as session:
            on_rollback(session, lambda: undo("commit failed"))
            key = uuid4()
            session.add_all([Counter(id=key, value=1), Counter(id=key, value=2)])  # the commit flushes: fails
    assert undone == ["block failed", "commit failed"]
