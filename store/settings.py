"""Where the read model lives: one `DATABASE_URL`, defaulting to a SQLite file under the data dir.

Every setting has a working default so `make run` and the tests need no environment. The SQLite path
is made absolute at load time, so a process that changes directory later still finds the same file.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SQLITE_PREFIXES = ("sqlite+aiosqlite:///", "sqlite:///")


def _default_database_url() -> str:
    data_dir = Path(os.environ.get("ENGAGE_DATA_DIR") or ".data")
    return f"sqlite+aiosqlite:///{(Path.cwd() / data_dir / 'engage.db').resolve()}"


class StoreSettings(BaseSettings):
    """`DATABASE_URL` (SQLAlchemy async URL), `DATABASE_SCHEMA` (PostgreSQL search_path), pool size."""

    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    database_url: str = Field(default_factory=_default_database_url, validation_alias="DATABASE_URL")
    database_schema: str | None = Field(
        default=None,
        validation_alias="DATABASE_SCHEMA",
        description="PostgreSQL only: the schema to use (search_path); tests isolate a run in a fresh one.",
    )
    pool_size: int = Field(default=10, ge=1, validation_alias="DATABASE_POOL_SIZE")

    @field_validator("database_url")
    @classmethod
    def _absolute_sqlite_path(cls, url: str) -> str:
        for prefix in _SQLITE_PREFIXES:
            path = url.removeprefix(prefix)
            if url.startswith(prefix) and path and not path.startswith(":memory:") and not Path(path).is_absolute():
                return f"{prefix}{(Path.cwd() / path).resolve()}"
        return url

    @field_validator("database_schema")
    @classmethod
    def _plain_identifier(cls, schema: str | None) -> str | None:
        # The name is interpolated into CREATE SCHEMA / search_path, so only plain identifiers pass.
        if schema is not None and not schema.replace("_", "a").isalnum():
            raise ValueError("DATABASE_SCHEMA must contain only letters, digits and underscores")
        return schema or None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def get_store_settings() -> StoreSettings:
    """Read the settings from the environment now (no caching: tests change the environment)."""
    return StoreSettings()
