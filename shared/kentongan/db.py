"""Database access: one async engine per service, sessions that only the boundary commits."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from sqlalchemy import ARRAY, MetaData, String, Table, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB, Insert, insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.sql.elements import CollectionAggregate, ColumnElement
from sqlalchemy.sql.expression import TableValuedAlias
from sqlalchemy.types import TypeEngine

if TYPE_CHECKING:  # kentongan.errors imports this module (is_transient)
    from kentongan.errors import ServiceError

log = logging.getLogger(__name__)

# A column type as SQLAlchemy accepts it: an instance (`String(20)`) or the class itself (`Uuid`).
SqlType = TypeEngine[Any] | type[TypeEngine[Any]]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """The metadata of a service's declarative base: every table in the service's own schema, constraints
    named by one convention (`class Base(DeclarativeBase): metadata = schema_metadata(SCHEMA)`)."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


# SQLSTATEs of a server that is going down, restarting or full: the same statement succeeds a moment later.
# asyncpg raises these as plain errors (SQLAlchemy wraps them as DBAPIError, not OperationalError), and the
# first connection after a restart meets "the database system is starting up" (57P03).
_OUTAGE_SQLSTATE_CLASSES = ("08",)  # connection exception
_OUTAGE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}  # shutdowns, starting up, too many connections


def is_transient(exc: BaseException) -> bool:
    """The database (or the network to it) is down or restarting: the same work will succeed later."""
    if isinstance(exc, OperationalError | OSError | ConnectionError | TimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return (exc.connection_invalidated or sqlstate in _OUTAGE_SQLSTATES
            or sqlstate.startswith(_OUTAGE_SQLSTATE_CLASSES))


def create_engine(database_url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping (it costs a round trip per request): after a database restart the first request fails
        # with 503 "retry", and SQLAlchemy then invalidates the whole pool at once.
        pool_recycle=1800,
        # A database error's message never carries the statement's bound values (a victim's sealed blob, a
        # phone, a camera's credentials) into a log or a traceback.
        hide_parameters=True,
        # JSON columns (timelines, outbox headers, payloads) through orjson: several times faster than json.
        json_serializer=_json_text,
        json_deserializer=orjson.loads,
    )


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(sessionmaker: Callable[[], AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose work commits when the block ends and rolls back when it raises (in the block or in the
    commit itself); then what `on_rollback` registered undoes the work done outside the database."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            try:
                await session.rollback()
            finally:
                await _undo(session)
            raise
        finally:
            session.info.pop(ROLLBACK_UNDO, None)


ROLLBACK_UNDO = "kentongan.rollback_undo"


def on_rollback(session: AsyncSession, undo: Callable[[], Awaitable[None]]) -> None:
    """Run `undo` if this unit of work does not commit: for effects outside the database that its rows stand
    for (objects put in a store for rows that will now never exist)."""
    session.info.setdefault(ROLLBACK_UNDO, []).append(undo)


async def _undo(session: AsyncSession) -> None:
    for undo in session.info.pop(ROLLBACK_UNDO, []):
        try:
            await undo()
        except Exception:  # the next one is still tried; what is left is logged
            log.exception("could not undo work outside the database after a rollback")


Row = TypeVar("Row")


async def get_for_update_or_404(session: AsyncSession, model: type[Row], key: Any, error: "ServiceError") -> Row:
    """The row of `model` with this primary key, locked (`SELECT ... FOR UPDATE`) until the transaction ends, so
    two requests changing it take turns; `error` (the caller's typed 404) when there is none."""
    row = await session.get(model, key, with_for_update=True)
    if row is None:
        raise error
    return row


def any_of(values: Iterable[Any], item_type: SqlType) -> CollectionAggregate[Any]:
    """`column == any_of(values, type)` renders `= ANY($1)` with one array parameter: one statement text
    whatever the number of values (an IN list is a new prepared statement, parsed and planned again, for
    every length)."""
    return any_(bindparam(None, list(values), type_=ARRAY(item_type)))


def any_param(name: str, item_type: SqlType) -> CollectionAggregate[Any]:
    """`any_of` for a statement built once: `column == any_param("ids", Uuid)` renders `= ANY($1)`, the array
    given at execution as `{"ids": [...]}`."""
    return any_(bindparam(name, type_=ARRAY(item_type)))


async def insert_rows(session: AsyncSession, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows (tuples in `columns` order) with one statement and one execution, whatever their number.

    SQLAlchemy sends a list of rows as an executemany: PostgreSQL binds and runs the INSERT once per row. Here
    the rows travel as arrays (`unnest_rows`): one execution, one statement text for any batch size."""
    if rows:
        await session.execute(rows_insert(table, columns), row_arrays(table, columns, rows))


@cache
def rows_insert(table: Table, columns: tuple[str, ...]) -> Insert:
    """`INSERT INTO table (columns) SELECT * FROM unnest(...)`: the statement of `insert_rows`, built once, for
    callers that add to it (ON CONFLICT, RETURNING, a CTE); its parameters are `row_arrays(table, columns,
    rows)`."""
    rows = unnest_rows(table, columns)
    return insert(table).from_select(list(columns), select(*(rows.c[name] for name in columns)))


@cache
def unnest_rows(table: Table, columns: tuple[str, ...]) -> TableValuedAlias:
    """Rows sent as one array per column (`row_arrays`), as a FROM whose columns are named and typed like the
    table's: a statement reading them runs once for a whole batch. JSONB values travel as JSON text (arrays of
    JSONB do not bind directly) and are cast back."""
    arrays: list[ColumnElement[Any]] = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, JSONB):
            arrays.append(cast(bindparam(_array_param(name), type_=ARRAY(String)), ARRAY(JSONB)))
        elif isinstance(column_type, String):
            # Without the length: a cast to varchar(n) cuts a longer value silently, where the column refuses it.
            arrays.append(bindparam(_array_param(name), type_=ARRAY(String())))
        else:
            arrays.append(bindparam(_array_param(name), type_=ARRAY(column_type)))
    return func.unnest(*arrays).table_valued(*columns).render_derived()


def row_arrays(table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """The parameters of `unnest_rows(table, columns)` for these rows (tuples in `columns` order)."""
    values = [list(column) for column in zip(*rows, strict=True)]
    for index, name in enumerate(columns):
        if isinstance(table.c[name].type, JSONB):
            values[index] = [_json_text(value) for value in values[index]]
    return {_array_param(name): column for name, column in zip(columns, values, strict=True)}


def _array_param(column: str) -> str:
    # Not the column's own name: SQLAlchemy reserves that for the VALUES and SET clauses of its table.
    return f"{column}_values"
