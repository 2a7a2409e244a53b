"""Database fixtures: real SQLite files and a real PostgreSQL, never a mock.

- `db_target` runs a test once per database: `sqlite` (a file in the test's tmp_path) and `postgres`
  (a fresh schema `t_<hex>` in database `test` on 127.0.0.1:5432, dropped CASCADE afterwards).
  PostgreSQL being down FAILS the postgres case with the fix in the message: a silent skip would
  let PostgreSQL-only bugs through CI.
- `store_settings`: the StoreSettings for that target, with nothing created yet (migration tests).
- `sessionmaker`: the same database migrated to head, with its engine disposed afterwards.
- `sqlite_sessionmaker`: a migrated SQLite file only, for tests where the dialect does not matter.

Speed: SQLite migrations run once per session into a template file that each test copies (a copy
is a few milliseconds, a migration run a few hundred); PostgreSQL migrates each fresh schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.migrate import upgrade_to_head
from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings

POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_URL = POSTGRES_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
_POSTGRES_DOWN = (
    "PostgreSQL is not reachable at {dsn} ({error}). The postgres tests need it: start it with "
    "`scripts/ensure_postgres.sh` or `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
    "(trust auth, user postgres, database test)."
)


def sqlite_settings(path: Path) -> StoreSettings:
    return StoreSettings(database_url=f"sqlite+aiosqlite:///{path}")


@pytest.fixture(scope="session")
async def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, copied by every test that wants a migrated database."""
    path = tmp_path_factory.mktemp("sqlite-template") / "engage.db"
    await upgrade_to_head(sqlite_settings(path))
    return path


async def _postgres_execute(sql: str) -> None:
    try:
        connection = await asyncpg.connect(POSTGRES_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.fail(_POSTGRES_DOWN.format(dsn=POSTGRES_DSN, error=exc), pytrace=False)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest) -> str:
    """Which database the test runs against: "sqlite" or "postgres"."""
    return str(request.param)


@pytest.fixture
async def store_settings(db_target: str, tmp_path: Path) -> AsyncIterator[StoreSettings]:
    """Settings for an empty database of the current target; the schema is dropped afterwards."""
    if db_target == "sqlite":
        yield sqlite_settings(tmp_path / "engage.db")
        return
    schema = f"t_{uuid.uuid4().hex}"
    await _postgres_execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield StoreSettings(database_url=POSTGRES_URL, database_schema=schema, pool_size=2)
    finally:
        await _postgres_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def _migrated_sessionmaker(settings: StoreSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def sessionmaker(
    store_settings: StoreSettings, _sqlite_template: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the current target, migrated to head."""
    if store_settings.is_sqlite:
        target = Path(store_settings.database_url.removeprefix("sqlite+aiosqlite:///"))
        shutil.copyfile(_sqlite_template, target)
    else:
        await upgrade_to_head(store_settings)
    async for made in _migrated_sessionmaker(store_settings):
        yield made


@pytest.fixture
async def sqlite_sessionmaker(
    tmp_path: Path, _sqlite_template: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a migrated SQLite file of this test's own."""
    path = tmp_path / "engage-sqlite.db"
    shutil.copyfile(_sqlite_template, path)
    async for made in _migrated_sessionmaker(sqlite_settings(path)):
        yield made
