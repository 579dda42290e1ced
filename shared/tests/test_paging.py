"""Cursors: what cursor_of writes parse_cursor reads back, and anything else is a 400 naming `after`."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from kentongan.paging import InvalidCursor, cursor_of, page_of, parse_cursor


def test_a_cursor_reads_back_as_the_key_it_was_made_of():
    key = (True, 7, datetime(2026, 12, 3, 14, 0, 1, 123456, tzinfo=UTC), uuid4(), "rt|03/05")
    assert parse_cursor(cursor_of(*key), bool, int, datetime, type(key[3]), str) == key
    assert parse_cursor(cursor_of(False), bool) == (False,)


@pytest.mark.parametrize("cursor", ["", "x", "%%%", "e30", cursor_of("a", "b"), cursor_of("maybe"), cursor_of("x1")])
def test_anything_else_is_an_invalid_cursor_naming_after(cursor):
    with pytest.raises(InvalidCursor) as refused:
        parse_cursor(cursor, bool) if cursor == cursor_of("maybe") else parse_cursor(cursor, int)
    assert refused.value.status_code == 400 and "after" in refused.value.detail


def test_a_page_has_a_next_cursor_only_when_a_row_followed():
    rows = [(1, "a"), (2, "b"), (3, "c")]
    assert page_of(rows, 2, lambda row: (row[0],)) == {"items": rows[:2], "next": cursor_of(2)}
    assert page_of(rows, 3, lambda row: (row[0],)) == {"items": rows, "next": None}
