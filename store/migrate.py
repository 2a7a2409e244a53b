"""Bring a database to the latest schema, from code (tests, devstack, worker start-up) or a shell.

`python -m store.migrate` reads DATABASE_URL / DATABASE_SCHEMA like the services do. The migration
scripts are found next to this module, so this works from any directory and from an installed wheel,
without alembic.ini or pyproject.toml.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from sqlalchemy.engine import Connection

from store.session import create_engine
from store.settings import StoreSettings, get_store_settings
from store.tables import UtcDateTime

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave alembic's own table out of comparisons: with version_table_schema equal to the search_path
    schema, alembic reflects it as an unqualified table and would otherwise propose dropping it."""
    return not (type_ == "table" and name == "alembic_version")


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render UtcDateTime as the plain column type, so migration files never import application code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def migration_options(settings: StoreSettings | None = None) -> dict[str, Any]:
    """Options for alembic's MigrationContext: shared by env.py and the schema-drift test."""
    options: dict[str, Any] = {
        "render_as_batch": settings.is_sqlite if settings else False,
        "render_item": render_item,
        "include_name": include_name,
        "compare_type": True,
        "compare_server_default": True,
    }
    if settings is not None and settings.database_schema and not settings.is_sqlite:
        options["version_table_schema"] = settings.database_schema
    return options


def alembic_config(settings: StoreSettings) -> Config:
    """An alembic Config for `settings`, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["store_settings"] = settings
    return config


async def _run(settings: StoreSettings, revision: str, *, downgrade: bool = False) -> None:
    config = alembic_config(settings)

    def run(connection: Connection) -> None:
        # 👉 alembic's env.py picks this connection up instead of starting its own event loop.
        config.attributes["connection"] = connection
        if downgrade:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run)
            await connection.commit()
    finally:
        await engine.dispose()


async def upgrade_to_head(settings: StoreSettings) -> None:
    """Apply every migration not yet applied; a database already at head is left untouched."""
    await _run(settings, "head")


async def downgrade_to(settings: StoreSettings, revision: str) -> None:
    """Undo migrations down to `revision` (`"base"` empties the schema); used by the round-trip test."""
    await _run(settings, revision, downgrade=True)


if __name__ == "__main__":
    asyncio.run(upgrade_to_head(get_store_settings()))
