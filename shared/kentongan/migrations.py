"""Alembic helpers: each service migrates only its own schema, with its own version table.

A service's `env.py` is two lines: import its metadata and call `run_env(metadata)`.
"""

import asyncio
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from kentongan.db import NAMING_CONVENTION
from kentongan.events import topics
from kentongan.kafka import ensure_topics
from kentongan.service import ServiceSpec
from kentongan.settings import ServiceSettings


def alembic_config(spec: ServiceSpec, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(spec.migrations))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["schema"] = spec.schema
    return config


def upgrade(spec: ServiceSpec, database_url: str, revision: str = "head") -> None:
    """Bring the service's schema to `revision` (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(spec, database_url), revision)


def prepare(settings: ServiceSettings, specs: list[ServiceSpec]) -> None:
    """Migrate every service's schema and create the topics unless they are managed elsewhere (idempotent):
    `kentongan migrate` in production, the platform runner and the test plugin in development."""
    for spec in specs:
        upgrade(spec, settings.database_url)
    if settings.kafka_manage_topics:
        asyncio.run(ensure_topics(settings, topics.ALL))


def run_env(metadata: MetaData) -> None:
    """The body of a service's Alembic `env.py`."""
    config = context.config
    schema: str = config.attributes.get("schema") or metadata.schema or "public"
    url = config.get_main_option("sqlalchemy.url") or ""
    options: dict[str, Any] = {
        "target_metadata": metadata, "version_table_schema": schema, "include_schemas": True,
        "include_name": lambda name, type_, _: type_ != "schema" or name == schema}
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, schema, options))


async def _run_online(url: str, schema: str, options: dict[str, Any]) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await connection.commit()
        await connection.run_sync(_migrate, options)
    await engine.dispose()


def _migrate(connection: Connection, options: dict[str, Any]) -> None:
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


def create_outbox_and_inbox(schema: str) -> None:
    """Create the shared outbox and inbox tables in a service's first migration."""
    from alembic import op
    from sqlalchemy import MetaData

    from kentongan.inbox import inbox_table
    from kentongan.outbox import outbox_table

    metadata = MetaData(schema=schema, naming_convention=NAMING_CONVENTION)
    for table in (outbox_table(metadata), inbox_table(metadata)):
        table.create(op.get_bind())


def drop_outbox_and_inbox(schema: str) -> None:
    from alembic import op

    op.drop_table("inbox", schema=schema)
    op.drop_table("outbox", schema=schema)


def set_fillfactor(schema: str, table: str, percent: int | None) -> None:
    """Fill a table's new pages only to `percent` (None: back to full), leaving room for updated rows: an
    update that changes no indexed column then stays on its page (HOT) and adds nothing to the indexes."""
    from alembic import op

    storage = f"SET (fillfactor = {int(percent)})" if percent is not None else "RESET (fillfactor)"
    op.execute(f'ALTER TABLE "{schema}"."{table}" {storage}')


def create_awaiting_placement(schema: str) -> None:
    """Create the table of events awaiting placement in an incident (kentongan.placement)."""
    from alembic import op

    from kentongan.placement import awaiting_table

    awaiting_table(MetaData(schema=schema, naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def drop_awaiting_placement(schema: str) -> None:
    from alembic import op

    op.drop_table("awaiting_placement", schema=schema)
