"""Values for an SQL `IN (...)` list, in chunks of a bounded size.

One statement per chunk keeps every list well under the drivers' bind-parameter limits (SQLite's
default is 32,766, asyncpg's 32,767) however many projects or respondents a call covers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

IN_LIST_SIZE = 500


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in order, `IN_LIST_SIZE` at a time."""
    for start in range(0, len(values), IN_LIST_SIZE):
        yield values[start : start + IN_LIST_SIZE]
