"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, chosen by the session's dialect.

Activities are retried, so their writes are idempotent by construction: each row has a natural key
(event id, dedupe key, project id) and a repeated insert either does nothing or updates in place.
Both return the number of rows really written, which is how callers tell a first run from a retry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, CursorResult, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute
from sqlalchemy.sql.base import ReadOnlyColumnCollection

Rows = Sequence[Mapping[str, Any]]
T = TypeVar("T")
TableLike = Table | type[DeclarativeBase]
#: The proposed row of an upsert (`EXCLUDED` in SQL), passed to a `where` callable.
Excluded = ReadOnlyColumnCollection[str, Any]


def _table(target: TableLike) -> Table:
    if isinstance(target, Table):
        return target
    table = target.__table__
    assert isinstance(table, Table)
    return table


def insert_for(session: AsyncSession, target: TableLike) -> sqlite.Insert | postgresql.Insert:
    """The dialect's INSERT for `target`, which knows ON CONFLICT (and `.excluded`)."""
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "sqlite":
        return sqlite.insert(_table(target))
    if dialect == "postgresql":
        return postgresql.insert(_table(target))
    raise NotImplementedError(f"no upsert support for dialect {dialect!r}")


async def _execute(
    session: AsyncSession, statement: Any, rows: Rows, *, target: TableLike, conflict_keys: Sequence[str] = ()
) -> int:
    """Run the upsert for every row; return how many rows it wrote (inserted, or updated).

    Rows of one shape go in one batched statement ("insertmanyvalues": multi-row VALUES on both
    dialects) and are counted by RETURNING, since `rowcount` of an executemany is not reliable
    across drivers. One row, rows of mixed shapes, or an ON CONFLICT DO UPDATE batch that names
    the same key twice (PostgreSQL refuses to update one row twice in a statement) run a statement
    per row instead.
    """
    if not rows:
        return 0
    shapes = {frozenset(row) for row in rows}
    repeated_key = conflict_keys and len({tuple(row[k] for k in conflict_keys) for row in rows}) < len(rows)
    if len(rows) > 1 and len(shapes) == 1 and not repeated_key:
        key = list(_table(target).primary_key.columns)[:1]
        returned = await session.execute(statement.returning(*key), list(rows))
        return len(returned.all())
    written = 0
    for row in rows:
        result = await session.execute(statement.values(**row))
        assert isinstance(result, CursorResult)
        written += max(result.rowcount, 0)
    return written


async def insert_ignore(session: AsyncSession, target: TableLike, rows: Rows) -> int:
    """Insert each row unless one with the same key exists; return how many were inserted."""
    return await _execute(session, insert_for(session, target).on_conflict_do_nothing(), rows, target=target)


async def upsert(
    session: AsyncSession,
    target: TableLike,
    rows: Rows,
    index_elements: Sequence[str],
    update_columns: Sequence[str],
    where: Callable[[Excluded], ColumnElement[bool]] | None = None,
) -> int:
    """Insert each row, or update `update_columns` of the conflicting one where `where` holds.

    `where` receives the proposed row (SQL `EXCLUDED`) and returns a condition on the stored one, e.g.
    `lambda new: Project.event_seq < new.event_seq`. Returns rows inserted or updated; a conflict that
    `where` rejects counts zero.
    """
    statement = insert_for(session, target)
    values = {column: statement.excluded[column] for column in update_columns}
    condition = where(statement.excluded) if where is not None else None
    return await _execute(
        session,
        statement.on_conflict_do_update(index_elements=index_elements, set_=values, where=condition),
        rows,
        target=target,
        conflict_keys=index_elements,
    )


async def insert_ignore_returning(
    session: AsyncSession, target: TableLike, rows: Rows, column: ColumnElement[T] | QueryableAttribute[T]
) -> list[T]:
    """Insert the rows in one batch, skipping any whose key exists; return `column` of those inserted.

    For large batches where the caller must know exactly which rows it wrote (and so which it now
    owns): the skipped ones return nothing. One executemany ("insertmanyvalues") on both dialects.
    """
    if not rows:
        return []
    statement = insert_for(session, target).on_conflict_do_nothing().returning(column)
    result = await session.execute(statement, list(rows))
    return list(result.scalars())
