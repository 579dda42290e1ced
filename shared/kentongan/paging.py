"""Keyset pages, the one way every list is served: at most `limit` items in a stable order, then `next`, an
opaque cursor naming the last item's sort key, to pass back as `after`. No response grows with the table, and
a page never shifts when rows are added before it (as an offset would)."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar, cast
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, literal, tuple_

from kentongan.errors import ServiceError

DEFAULT_PAGE = 50
MAX_PAGE = 500
MAX_CURSOR = 200

T = TypeVar("T")
Row = TypeVar("Row")
Key = type[datetime] | type[UUID] | type[int] | type[str] | type[bool]


class InvalidCursor(ServiceError):
    """after: not a cursor this API returned."""

    status_code = 400
    error = "invalid_cursor"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(description="Pass as `after` for the next page; null: no more")


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="At most this many items")]
After = Annotated[str | None, Query(max_length=MAX_CURSOR, description="The `next` cursor of the previous page")]


def cursor_of(*key: Any) -> str:
    """The cursor after an item: its sort key (times as ISO 8601, the rest as text)."""
    parts = [part.isoformat() if isinstance(part, datetime) else str(part) for part in key]
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def parse_cursor(cursor: str, *types: Key) -> tuple[Any, ...]:
    """The sort key a cursor names, each part read as its type; InvalidCursor (400, naming `after`) otherwise."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or len(parts) != len(types) or not all(isinstance(p, str) for p in parts):
            raise ValueError(cursor)
        return tuple(_read(kind, part) for kind, part in zip(types, parts, strict=True))
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError, KeyError):
        raise InvalidCursor() from None


def _read(kind: Key, part: str) -> Any:
    if kind is datetime:
        return datetime.fromisoformat(part)
    if kind is bool:  # bool("False") is True: only the two words cursor_of writes
        return {"True": True, "False": False}[part]
    return cast(Callable[[str], Any], kind)(part)


Statement = TypeVar("Statement", bound=Select)  # type: ignore[type-arg]  # any row shape


def keyset(query: Statement, columns: Sequence[Any], after: tuple[Any, ...] | None, limit: int, *,
           descending: bool = False) -> Statement:
    """`query` ordered by `columns` (all one direction), from after the position `after`, one more row than
    `limit` (so the page knows whether another follows)."""
    if after is not None:
        row = tuple_(*columns)
        position = tuple_(*(literal(value, column.type) for value, column in zip(after, columns, strict=True)))
        condition: ColumnElement[bool] = row < position if descending else row > position
        query = query.where(condition)
    order = [column.desc() for column in columns] if descending else list(columns)
    return query.order_by(*order).limit(limit + 1)


def page_of(rows: Sequence[Row], limit: int, key: Callable[[Row], tuple[Any, ...]]) -> dict[str, Any]:
    """The first `limit` rows and the cursor after the last of them (null when no row followed): the body of a
    `Page`, for `Page[...].model_validate` or a route's `response_model`."""
    following = cursor_of(*key(rows[limit - 1])) if len(rows) > limit else None
    return {"items": list(rows[:limit]), "next": following}
