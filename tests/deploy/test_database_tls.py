"""The DATABASE_URL form the manifests use for TLS reaches asyncpg through SQLAlchemy.

SQLAlchemy's asyncpg dialect passes URL query parameters to `asyncpg.connect()` as keywords: asyncpg knows
`ssl=<libpq sslmode>` but not `sslmode=`. The embedded test database has no TLS, so a URL asking for TLS must
be refused by the connection, which proves the option was honoured rather than ignored.
"""

import os

import pytest
from sqlalchemy import text

from kentongan.db import create_engine


async def _select_one(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text("SELECT 1"))).scalar_one()
    finally:
        await engine.dispose()


async def test_ssl_disable_connects_to_a_server_without_tls(stack):
    assert await _select_one(os.environ["DATABASE_URL"] + "?ssl=disable") == 1


async def test_ssl_require_refuses_a_server_without_tls(stack):
    with pytest.raises(Exception, match=r"(?i)ssl"):
        await _select_one(os.environ["DATABASE_URL"] + "?ssl=require")


async def test_libpq_sslmode_spelling_is_not_accepted(stack):
    """Why the manifests write `ssl=verify-full`: `sslmode=` fails before connecting."""
    with pytest.raises(TypeError, match="sslmode"):
        await _select_one(os.environ["DATABASE_URL"] + "?sslmode=require")
