"""Keyset pages of what hangs off an incident (alarms, trail points, notes): at most `limit` items, in time
order, after an opaque cursor, so no response grows with the size of an incident."""

from datetime import datetime
from typing import Any

from dispatch.incidents.errors import InvalidCursor

DEFAULT_PAGE = 50
MAX_PAGE = 500


def cursor_of(at: datetime, key: Any) -> str:
    """The cursor after an item: its time and its key (which breaks ties)."""
    return f"{at.isoformat()}|{key}"


def parse_cursor(cursor: str, key_type: type) -> tuple[datetime, Any]:
    """The time and key a cursor names; InvalidCursor (400, naming `after`) for anything else."""
    at, _, key = cursor.partition("|")
    try:
        return datetime.fromisoformat(at), key_type(key)
    except (TypeError, ValueError):
        raise InvalidCursor("after: not a cursor this API returned") from None
