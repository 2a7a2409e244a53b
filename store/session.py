"""Engine and session factories: one engine per process (API, worker), sessions per unit of work.

SQLite gets the pragmas measured in ARCHITECTURE.md (WAL with FULL sync), a busy timeout so the API and
the worker can share the file, and foreign keys switched on (SQLite leaves them off per connection).
PostgreSQL gets a pre-pinged pool and, when `database_schema` is set, that schema as its search_path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store.settings import StoreSettings

_SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000", "foreign_keys=ON")


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def create_engine(settings: StoreSettings) -> AsyncEngine:
    """Build the async engine for `settings`; the caller owns it and must `await engine.dispose()`."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if settings.database_schema:
        connect_args["server_settings"] = {"search_path": settings.database_schema}
    return create_async_engine(url, pool_size=settings.pool_size, pool_pre_ping=True, connect_args=connect_args)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (the API returns them after the transaction)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(session: AsyncSession) -> None:
    """One trivial round trip; raises when the database cannot be reached (the health route)."""
    await session.execute(text("SELECT 1"))
