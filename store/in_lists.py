"""Values for an SQL `IN (...)` list, in chunks of a bounded size; and work split into batches that
share no key.

One statement per chunk keeps every list well under the drivers' bind-parameter limits (SQLite's
default is 32,766, asyncpg's 32,767) however many projects or respondents a call covers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

IN_LIST_SIZE = 500


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in order, `IN_LIST_SIZE` at a time."""
    for start in range(0, len(values), IN_LIST_SIZE):
        yield values[start : start + IN_LIST_SIZE]


def first_fit(items: Iterable[T], keys: Callable[[T], set[Hashable]]) -> list[list[T]]:
    """`items` in groups, in order, no key shared within a group: each joins the first it fits.

    How a batch of waves is split so that no two in a group name the same wave (or mail the same address).
    """
    groups: list[tuple[list[T], set[Hashable]]] = []
    for item in items:
        mine = keys(item)
        group = next((g for g in groups if not mine & g[1]), None)
        if group is None:
            group = ([], set())
            groups.append(group)
        group[0].append(item)
        group[1].update(mine)
    return [members for members, _ in groups]
