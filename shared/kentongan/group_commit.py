"""Group commit: requests that arrive together are written together, in one transaction.

A request hands its item to `GroupCommit.submit()` and waits; a writer task takes everything waiting (up to
`max_batch`) and writes it with one `write(session, items)` call in one transaction, then answers each request.
Under load a transaction carries tens of items, so the round trips, the commit and its WAL flush are paid once
per batch instead of once per request; a lone request is written at once, with no added wait. `submit()`
returns only after the commit, so an answer still means the item is durable.

`write` returns one result per item, in order: a value, or a ServiceError for that item alone (the others
still commit). A batch that raises is retried item by item, so one bad item cannot fail its neighbours; a
database outage fails them all at once (the request boundary turns that into 503).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan import metrics
from kentongan.db import is_transient, unit_of_work
from kentongan.errors import ServiceError

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")
BatchWriter = Callable[[AsyncSession, list[Item]], Awaitable[list[Result | ServiceError]]]


class GroupCommit(Generic[Item, Result]):
    def __init__(self, name: str, sessionmaker: Callable[[], AsyncSession], write: BatchWriter[Item, Result],
                 max_batch: int = 64, writers: int = 2) -> None:
        self._name = name
        self._sessionmaker = sessionmaker
        self._write = write
        self._max_batch = max_batch
        self._max_writers = writers  # concurrent transactions: one fills while another commits
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writers: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        """Write `item` with whatever else is waiting; returns its result once committed, or raises its error."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if len(self._writers) < self._max_writers:
            # A task of its own, not the caller's: a client that disconnects must not cancel its neighbours'
            # transaction. (Its own item may still commit; the client's retry with the same id finds it.)
            writer = asyncio.create_task(self._drain())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self._max_batch], self._waiting[self._max_batch:]
            metrics.GROUP_COMMIT_BATCH.labels(self._name).observe(len(batch))
            try:
                await self._write_batch(batch)
            except BaseException:  # cancelled at shutdown: nobody may wait forever
                for _, future in batch:
                    future.cancel()
                raise

    async def _write_batch(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            async with unit_of_work(self._sessionmaker) as session:
                results = await self._write(session, [item for item, _ in batch])
        except Exception as exc:  # noqa: BLE001 # any failure: answered below, alone or item by item
            if len(batch) == 1 or is_transient(exc):  # alone, or the database is down for all of them
                _answer(batch, [exc] * len(batch))
                return
            log.warning("%s: a batch of %d failed (%r); writing its items one by one", self._name, len(batch), exc)
            for one in batch:
                await self._write_batch([one])
            return
        _answer(batch, results)


def _answer(batch: Sequence[tuple[object, asyncio.Future[Any]]], results: Sequence[object]) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():  # the caller went away
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
