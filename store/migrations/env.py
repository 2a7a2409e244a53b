"""Alembic environment: migrations run on the application's own engine (store.session.create_engine).

Two ways in:
- the CLI (`alembic upgrade head` from the repo root, configured by [tool.alembic] in pyproject.toml):
  settings come from the environment (DATABASE_URL, DATABASE_SCHEMA) and the async engine is driven here;
- `store.migrate.upgrade_to_head()`: the caller opens the connection inside its own event loop and passes
  it in `config.attributes["connection"]` (alembic's connection-sharing recipe), so no nested event loop.

SQLite cannot ALTER most things in place, so autogenerate renders batch operations there. With
DATABASE_SCHEMA set (PostgreSQL), the schema is created if missing and holds alembic_version too.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

# The alembic CLI does not put the project on sys.path unless [tool.alembic] says prepend_sys_path;
# make `import store` work from the repo root either way (a no-op when the package is installed).
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from store.migrate import migration_options  # noqa: E402
from store.session import create_engine  # noqa: E402
from store.settings import StoreSettings, get_store_settings  # noqa: E402
from store.tables import Base  # noqa: E402

config = context.config
target_metadata = Base.metadata


def _settings() -> StoreSettings:
    given = config.attributes.get("store_settings")
    return given if isinstance(given, StoreSettings) else get_store_settings()


def _configure(connection: Connection | None, settings: StoreSettings) -> None:
    options = migration_options(settings)
    if connection is None:
        context.configure(url=settings.database_url, literal_binds=True, target_metadata=target_metadata, **options)
    else:
        context.configure(connection=connection, target_metadata=target_metadata, **options)


def do_run_migrations(connection: Connection) -> None:
    settings = _settings()
    if settings.database_schema and connection.dialect.name == "postgresql":
        # The engine's search_path names this schema; creating it makes that path resolve.
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.database_schema}"'))
    _configure(connection, settings)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(_settings())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    _configure(None, _settings())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif isinstance(shared := config.attributes.get("connection"), Connection):
    do_run_migrations(shared)
else:
    asyncio.run(run_async_migrations())
