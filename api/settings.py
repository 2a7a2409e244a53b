"""API settings from the environment (pydantic-settings), every one with a working default.

The Temporal connection is deliberately not here: it comes from the SDK's own environment
configuration (`TEMPORAL_ADDRESS`, profiles in `temporal.toml`), read in `api.main`, so the API
and the worker connect the same way. The database comes from `store.settings` for the same reason.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.naming import TASK_QUEUE


class ApiSettings(BaseSettings):
    """`ENGAGE_ADMIN_KEY`, `ENGAGE_TASK_QUEUE`, `ENGAGE_BASE_URL`, `ENGAGE_KEY_CACHE_SECONDS`,
    `ENGAGE_SESSION_SECRET`, `ENGAGE_MAX_BODY_BYTES`, `ENGAGE_MAX_UPLOAD_BYTES`, `ENGAGE_DATA_DIR`,
    `ENGAGE_TIMEZONE`, `ENGAGE_REPORT_MIN_N`, `ENGAGE_WEBHOOKS_ALLOW_HTTP`, the `ENGAGE_RATE_LIMIT_*`
    limits and `ENGAGE_TRUSTED_PROXIES`; for e-mailed sign-in links (which the API sends itself) the
    worker's `SMTP_URL`, `ENGAGE_MAIL_FROM` and `ENGAGE_OUTBOX_KEY`, and `ENGAGE_SIGN_IN_LINKS_PER_ADDRESS`."""

    model_config = SettingsConfigDict(env_prefix="ENGAGE_", extra="ignore", populate_by_name=True)

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
    max_upload_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1024,
        description="The largest evidence file accepted (each file of a milestone submission); larger: 413.",
    )
    data_dir: Path = Field(
        default=Path(".data"),
        description="Where Engage keeps files: evidence files under files/ (content-addressed by sha256).",
    )
    timezone: str = Field(
        default="Europe/London",
        description="The museum's IANA time zone: a programme's times sent without an offset are read in it.",
    )
    # Rate limits (api/rate_limits.py): `limits` notation, several joined by ";" ("20/minute;200/hour").
    rate_limits_enabled: bool = Field(default=True, description="Off only for load tests of a private deployment.")
    rate_limit_storage: str = Field(
        default="memory://",
        description=(
            "Where counts are kept, as a `limits` storage URI. memory:// counts per replica (each replica "
            "allows the full limit); async+redis://host:6379 shares them across replicas."
        ),
    )
    rate_limit_applications: str = Field(
        default="20/minute;200/hour", description="Public applications (form and JSON) per client address."
    )
    rate_limit_applications_per_programme: str = Field(
        default="300/minute", description="Public applications to one programme year, from all addresses together."
    )
    rate_limit_sign_in: str = Field(default="30/minute;300/hour", description="Sign-in attempts per client address.")
    rate_limit_survey_token: str = Field(
        default="120/minute", description="Requests to one survey link (pages and API), from anywhere."
    )
    rate_limit_survey_address: str = Field(
        default="1200/minute", description="Requests to any survey links from one client address."
    )
    rate_limit_key_writes: str = Field(
        default="3000/minute",
        description="POST, PUT, PATCH and DELETE requests per API key (a runaway script, not a busy client).",
    )
    # E-mailed sign-in links (api/accounts): the API sends these itself, with the worker's mail settings.
    smtp_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("smtp_url", "SMTP_URL"),
        description="As the worker's SMTP_URL; unset: sign-in e-mails are only held in the outbox.",
    )
    mail_from: str = Field(default="Engage <engage@localhost>", description="As the worker's ENGAGE_MAIL_FROM.")
    outbox_key: SecretStr | None = Field(
        default=None, description="As the worker's ENGAGE_OUTBOX_KEY: seals the sign-in link queued in the outbox."
    )
    rate_limit_sign_in_link: str = Field(
        default="20/minute;200/hour",
        description="Requests for an e-mailed sign-in link, and uses of one, per client address.",
    )
    sign_in_links_per_address: int = Field(
        default=5, ge=1, description="At most this many sign-in links to one address per 15 minutes (then silence)."
    )
    webhooks_allow_http: bool = Field(
        default=False,
        description="Accept plain-http webhook URLs to any host (default: https, or http to loopback only).",
    )
    report_min_n: int = Field(
        default=5,
        ge=1,
        description=(
            "Impact reports show no figure computed from fewer than this many respondents' answers: "
            "the report says 'Too few answers to show safely' in its place (api/reports)."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is believed. "
            "Empty (the default): the header is ignored and the client is the connection's peer."
        ),
    )

    @field_validator("smtp_url")
    @classmethod
    def _blank_smtp_is_none(cls, url: str | None) -> str | None:
        """`SMTP_URL=` (docker-compose's default) means no SMTP, as for the worker."""
        return url or None
