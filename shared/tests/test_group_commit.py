"""Group commit on the real database: items that arrive together share a transaction, and one bad item
never takes its neighbours down with it."""

import asyncio

import pytest
from sqlalchemy import text

from kentongan.db import create_engine, create_sessionmaker
from kentongan.errors import Conflict
from kentongan.group_commit import GroupCommit


class Taken(Conflict):
    """This item was refused on its own."""

    error = "taken"


@pytest.fixture
async def sessionmaker(settings):
    engine = create_engine(settings.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _transaction_ids(session, items):
    """Each item's result is the id of the transaction that wrote it; negative items are refused alone."""
    txid = await session.scalar(text("SELECT txid_current()"))
    return [Taken(f"item {item}") if item < 0 else txid for item in items]


async def test_items_arriving_together_share_a_transaction(sessionmaker):
    group = GroupCommit("test", sessionmaker, _transaction_ids, writers=1)
    txids = await asyncio.gather(*(group.submit(item) for item in range(20)))
    assert len(set(txids)) == 1  # all 20 were waiting when the writer started


async def test_more_than_a_batch_is_split_and_all_of_it_written(sessionmaker):
    group = GroupCommit("test", sessionmaker, _transaction_ids, max_batch=8, writers=1)
    txids = await asyncio.gather(*(group.submit(item) for item in range(20)))
    assert len(txids) == 20 and len(set(txids)) == 3


async def test_an_item_refused_alone_leaves_the_others_written(sessionmaker):
    group = GroupCommit("test", sessionmaker, _transaction_ids, writers=1)
    results = await asyncio.gather(*(group.submit(item) for item in (1, 2, -3, 4)), return_exceptions=True)
    assert isinstance(results[2], Taken)
    assert all(isinstance(result, int) for i, result in enumerate(results) if i != 2)


async def test_a_batch_that_fails_is_written_item_by_item(sessionmaker):
    async def fails_on_poison(session, items):
        await session.execute(text("SELECT 1"))
        if "poison" in items:
            raise ValueError("cannot write poison")
        return [item.upper() for item in items]

    group = GroupCommit("test", sessionmaker, fails_on_poison, writers=1)
    results = await asyncio.gather(*(group.submit(item) for item in ("a", "b", "poison", "c", "d")),
                                   return_exceptions=True)
    assert results[:2] == ["A", "B"] and results[3:] == ["C", "D"]
    assert isinstance(results[2], ValueError)


async def test_a_database_outage_fails_the_whole_batch_at_once(sessionmaker):
    attempts = []

    async def database_down(session, items):
        attempts.append(list(items))
        raise ConnectionError("connection refused")

    group = GroupCommit("test", sessionmaker, database_down, writers=1)
    results = await asyncio.gather(*(group.submit(item) for item in range(5)), return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)
    assert attempts == [[0, 1, 2, 3, 4]]  # not retried item by item: each would fail the same way
