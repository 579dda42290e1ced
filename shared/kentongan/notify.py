"""PostgreSQL LISTEN/NOTIFY: wake-ups that arrive the moment a transaction commits, across replicas."""

import asyncio
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy import ARRAY, Text, bindparam, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)


def asyncpg_dsn(database_url: str) -> str:
    """The plain asyncpg DSN for a SQLAlchemy `postgresql+asyncpg://` URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def notify(session: AsyncSession, channel: str, payloads: list[str]) -> None:
    """NOTIFY `channel` once per payload, in order, with one statement; delivered when the transaction commits."""
    if payloads:
        each = func.unnest(bindparam("payloads", payloads, type_=ARRAY(Text)))
        await session.execute(select(func.pg_notify(channel, each)))


async def listen(database_url: str, channel: str, on_notify: Callable[[str], None]) -> None:
    """Call `on_notify(payload)` for every NOTIFY on `channel` until cancelled; reconnects after outages."""
    while True:
        try:
            conn = await asyncpg.connect(asyncpg_dsn(database_url))
            try:
                await conn.add_listener(channel, lambda _c, _pid, _ch, payload: on_notify(payload))
                await _until_closed(conn)
            finally:
                await conn.close()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 # the database restarted or is unreachable: try again shortly
            log.debug("listener on %s reconnecting: %r", channel, exc)
            await asyncio.sleep(1.0)


async def _until_closed(conn: asyncpg.Connection) -> None:
    """Wait until the connection ends (the server went away or it was closed), without polling."""
    closed = asyncio.Event()
    conn.add_termination_listener(lambda _conn: closed.set())
    await closed.wait()
