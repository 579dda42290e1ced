"""Text field types: Unicode welcome (Bahasa Indonesia first), control characters that break storage not."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, StringConstraints


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps it a 422 instead of a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """Free text of at most `max_length` characters, not blank, without NUL: `Annotated[str, Text(500)]`.

    A marker inside `Annotated` rather than a function returning a type, so type checkers see a plain `str`."""

    max_length: int

    def __iter__(self) -> Iterator[Any]:
        yield StringConstraints(min_length=1, max_length=self.max_length)
        yield AfterValidator(_no_nul)
        yield AfterValidator(_not_blank)


@dataclass(frozen=True)
class Line(GroupedMetadata):
    """One line of at most `max_length` characters, trimmed, without control characters: a place name, a code,
    an RT number (`Annotated[str, Line(8)]`). Its own length, not Name's: a column may be narrower than 120."""

    max_length: int

    def __iter__(self) -> Iterator[Any]:
        yield StringConstraints(min_length=1, max_length=self.max_length, strip_whitespace=True,
                                pattern=r"^[^\x00-\x1f\x7f]+$")


# A place or school name: one line.
Name = Annotated[str, Line(120)]
