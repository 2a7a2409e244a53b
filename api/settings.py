"""API settings from the environment (pydantic-settings), every one with a working default.

The Temporal connection is deliberately not here: it comes from the SDK's own environment
configuration (`TEMPORAL_ADDRESS`, profiles in `temporal.toml`), read in `api.main`, so the API
and the worker connect the same way. The database comes from `store.settings` for the same reason.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.naming import TASK_QUEUE


class ApiSettings(BaseSettings):
    """`ENGAGE_ADMIN_KEY`, `ENGAGE_TASK_QUEUE`, `ENGAGE_BASE_URL`, `ENGAGE_KEY_CACHE_SECONDS`,
    `ENGAGE_SESSION_SECRET`, `ENGAGE_MAX_BODY_BYTES`, `ENGAGE_TIMEZONE`."""

    model_config = SettingsConfigDict(env_prefix="ENGAGE_", extra="ignore")

    admin_key: SecretStr | None = Field(
        default=None,
        description="A bootstrap admin API key accepted besides the keys in the database (unset: none).",
    )
    task_queue: str = Field(default=TASK_QUEUE, min_length=1)
    base_url: str = Field(default="http://localhost:8000", description="Where this API is reached from outside.")
    key_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a key lookup is trusted without the database (revocation elsewhere waits this long).",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Signs the web pages' session cookies. Unset: derived from ENGAGE_ADMIN_KEY, so replicas sharing "
            "that key agree; with neither set, a random secret per process (sessions end when it restarts, "
            "and replicas behind a load balancer would not accept each other's cookies)."
        ),
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="The largest JSON or form body accepted; a larger one is answered 413 before it is parsed.",
    )
    timezone: str = Field(
        default="Europe/London",
        description="The museum's IANA time zone: a programme's times sent without an offset are read in it.",
    )
