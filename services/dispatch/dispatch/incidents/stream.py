"""The live stream: every committed incident change, pushed to every connected console.

Changes arrive by PostgreSQL NOTIFY (sent in the same transaction as the change), so every dispatch replica
sees every change the moment it commits, whichever replica made it. Each client gets a bounded queue; a client
too slow to keep up is disconnected (its EventSource reconnects and reloads the queue) rather than slowing
everyone else. A client reconnecting with `Last-Event-ID` first gets what it missed: the current state of each
incident changed since, from the outbox (kept a day). A stream ends when the token that opened it expires.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson

from dispatch import metrics
from dispatch.incidents.changes import STREAM_CHANNEL
from kentongan.notify import listen

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0


class IncidentBroadcaster:
    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue] = set()

    async def run(self, database_url: str) -> None:
        await listen(database_url, STREAM_CHANNEL, self.publish)

    def publish(self, payload: str) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(payload)
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
            for notice in replay or []:
                yield _event(notice)
            while queue in self._subscribers:
                left = _seconds_left(until)
                if left <= 0:
                    yield {"event": "expired", "data": "{}"}
                    return
                try:
                    payload = await asyncio.wait_for(queue.get(), min(HEARTBEAT_S, left))
                except TimeoutError:
                    yield {"comment": "keep-alive"}
                    continue
                yield _event(orjson.loads(payload))
        finally:
            self._subscribers.discard(queue)
            metrics.STREAM_CLIENTS.dec()


def _seconds_left(until: float | None) -> float:
    return HEARTBEAT_S if until is None else until - time.time()


def _event(notice: dict) -> dict:
    """An incident notice ({id, type, incident}) as a server-sent event; its id is the change's event id."""
    return {"event": "incident", "id": notice["id"],
            "data": orjson.dumps({"type": notice["type"], "incident": notice["incident"]}).decode()}
