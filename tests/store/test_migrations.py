"""The migrations build exactly the schema store.tables declares, and undo it cleanly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from store.migrate import downgrade_to, migration_options, upgrade_to_head
from store.session import create_engine
from store.settings import StoreSettings
from store.tables import Base


async def _run(settings: StoreSettings, check: Any) -> Any:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(check)
    finally:
        await engine.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _schema_diffs(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts=migration_options())
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_downgrade_upgrade_round_trip_leaves_every_table(store_settings: StoreSettings) -> None:
    await upgrade_to_head(store_settings)
    assert await _run(store_settings, _tables) == set(Base.metadata.tables)

    await downgrade_to(store_settings, "base")
    assert await _run(store_settings, _tables) == set()

    await upgrade_to_head(store_settings)
    assert await _run(store_settings, _tables) == set(Base.metadata.tables)


async def test_migrated_schema_matches_the_table_declarations(store_settings: StoreSettings) -> None:
    await upgrade_to_head(store_settings)

    assert await _run(store_settings, _schema_diffs) == []


async def test_upgrading_a_database_already_at_head_changes_nothing(store_settings: StoreSettings) -> None:
    await upgrade_to_head(store_settings)
    await upgrade_to_head(store_settings)

    assert await _run(store_settings, _schema_diffs) == []
