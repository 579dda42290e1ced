"""The live stream: every committed incident change, pushed to every connected console.

Changes arrive by PostgreSQL NOTIFY (sent in the same transaction as the change), so every dispatch replica
sees every change the moment it commits, whichever replica made it. A NOTIFY only says which change it was
(ids, see `changes.stream_signal`); the replica reads the incidents' current views itself, once for all the
changes that arrived meanwhile (one query per batch, whatever the number of clients), and fans them out.
Each client gets a bounded queue; a client too slow to keep up is disconnected (its EventSource reconnects
and reloads the queue) rather than slowing everyone else. A client reconnecting with `Last-Event-ID` first
gets what it missed: the current state of each incident changed since, from the outbox (kept
KENTONGAN_RETENTION_OUTBOX_DAYS, a day by default; kentongan.retention deletes older rows).
A stream ends when the token that opened it expires.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch import metrics
from dispatch.incidents import repository
from dispatch.incidents.changes import STREAM_CHANNEL, notice, stream_view
from kentongan.notify import listen

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
MAX_SIGNALS_PER_READ = 500  # changes whose incidents are read in one query


class IncidentBroadcaster:
    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue] = set()
        self._signals: asyncio.Queue[str] = asyncio.Queue()

    async def run(self, database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        reader = asyncio.create_task(self._read_and_fan_out(sessionmaker))
        try:
            await listen(database_url, STREAM_CHANNEL, self._signals.put_nowait)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def _read_and_fan_out(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """Take every signal waiting, read their incidents at once, publish each change in order."""
        while True:
            signals = [orjson.loads(await self._signals.get())]
            while not self._signals.empty() and len(signals) < MAX_SIGNALS_PER_READ:
                signals.append(orjson.loads(self._signals.get_nowait()))
            if not self._subscribers:
                continue  # nobody to tell: no read
            for item in await _notices(sessionmaker, signals):
                self.publish(item)

    def publish(self, item: dict) -> None:
        """Queue a notice ({id, type, alarm_id, incident}) for every client; drop the clients that are full."""
        event = _event(item)
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("dropping a live-stream client that fell %d events behind", self._queue_size)
                self._subscribers.discard(queue)

    async def subscribe(self, missed: Callable[[], Awaitable[list[dict] | None]] | None = None,
                        until: float | None = None) -> AsyncIterator[dict]:
        """Server-sent events for one client, as dicts for sse-starlette. `missed` gives the notices a
        reconnecting client missed (None: too old to tell); they follow `ready`, then the live changes. The
        client is subscribed first, so a change committed meanwhile is sent twice at worst, never lost (a
        console keeps the highest `version` of each incident). At `until` (Unix time: the client's token
        expires) an `expired` event ends the stream."""
        queue: asyncio.Queue = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        metrics.STREAM_CLIENTS.inc()
        try:
            replay = await missed() if missed is not None else []
            ready = {"replayed": len(replay)} if replay is not None else {"replayed": None, "reload": True}
            yield {"event": "ready", "data": orjson.dumps(ready).decode()}
            for item in replay or []:
                yield _event(item)
            while queue in self._subscribers:
                left = _seconds_left(until)
                if left <= 0:
                    yield {"event": "expired", "data": "{}"}
                    return
                try:
                    yield await asyncio.wait_for(queue.get(), min(HEARTBEAT_S, left))
                except TimeoutError:
                    yield {"comment": "keep-alive"}
        finally:
            self._subscribers.discard(queue)
            metrics.STREAM_CLIENTS.dec()


async def _notices(sessionmaker: async_sessionmaker[AsyncSession], signals: list[dict]) -> list[dict]:
    """The signals' notices with their incidents as they are now (read in one query); a database outage is
    waited out, so clients get the changes late rather than never."""
    ids = list({signal["incident_id"] for signal in signals})
    while True:
        try:
            async with sessionmaker() as session:
                incidents = {str(i.id): stream_view(i) for i in await repository.get_many(session, ids)}
            break
        except Exception as exc:  # noqa: BLE001 # the database restarted: read again shortly
            log.warning("live stream: reading %d incidents failed, retrying: %r", len(ids), exc)
            await asyncio.sleep(1.0)
    return [notice(s["id"], s["type"], incidents[s["incident_id"]], s.get("alarm_id"))
            for s in signals if s["incident_id"] in incidents]


def _event(item: dict) -> dict:
    """An incident notice as a server-sent event; its id is the change's event id."""
    return {"event": "incident", "id": item["id"], "data": orjson.dumps(
        {"type": item["type"], "alarm_id": item.get("alarm_id"), "incident": item["incident"]}).decode()}


def _seconds_left(until: float | None) -> float:
    return HEARTBEAT_S if until is None else until - time.time()


async def missed_changes(sessionmaker: async_sessionmaker[AsyncSession], last_event_id: str) -> list[dict] | None:
    """Live-stream notices for a client that last saw `last_event_id`: each incident changed since, once, as it
    is now, with its latest change's id and type; None when that event is no longer known (reload)."""
    async with sessionmaker() as session:
        position = await repository.outbox_position(session, last_event_id)
        if position is None:
            return None
        changed = await repository.changed_after(session, position)
    return [notice(event_id, event_type, stream_view(incident)) for event_id, event_type, incident in changed]
