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


def _insert(session: AsyncSession, target: TableLike) -> sqlite.Insert | postgresql.Insert:
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "sqlite":
        return sqlite.insert(_table(target))
    if dialect == "postgresql":
        return postgresql.insert(_table(target))
    raise NotImplementedError(f"no upsert support for dialect {dialect!r}")


async def _execute(session: AsyncSession, statement: Any, rows: Rows) -> int:
    # One statement per row: rowcount of executemany is not reliable across drivers, and these
    # batches are small (the events and e-mails of one activity call).
    written = 0
    for row in rows:
        result = await session.execute(statement.values(**row))
        assert isinstance(result, CursorResult)
        written += max(result.rowcount, 0)
    return written


async def insert_ignore(session: AsyncSession, target: TableLike, rows: Rows) -> int:
    """Insert each row unless one with the same key exists; return how many were inserted."""
    return await _execute(session, _insert(session, target).on_conflict_do_nothing(), rows)


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
    statement = _insert(session, target)
    values = {column: statement.excluded[column] for column in update_columns}
    condition = where(statement.excluded) if where is not None else None
    return await _execute(
        session, statement.on_conflict_do_update(index_elements=index_elements, set_=values, where=condition), rows
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
    statement = _insert(session, target).on_conflict_do_nothing().returning(column)
    result = await session.execute(statement, list(rows))
    return list(result.scalars())
