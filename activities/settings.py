"""What activities need from the environment: SMTP, the sender, the public base URL for links, the
survey fatigue cap and the retention periods.

All defaulted: with no SMTP_URL every e-mail is written to the outbox as 'held' and shown in the
dashboard, which is what `make run` and most tests want.
"""

from __future__ import annotations

import os

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.durations import IsoDuration
from domain.retention import DEFAULT_APPLICANTS_PERIOD, DEFAULT_RESPONDENTS_PERIOD, retention_period
from store.link_seal import LinkSeal


def served_base_url() -> str:
    """Where the API serves when ENGAGE_BASE_URL is unset: the ENGAGE_API_HOST and ENGAGE_API_PORT
    that `make run` (scripts/devstack.py) starts uvicorn on, so a link in an e-mail reaches it."""
    host = os.environ.get("ENGAGE_API_HOST", "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('ENGAGE_API_PORT', '8000')}"


class ActivitySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    smtp_url: str | None = Field(
        default=None,
        validation_alias="SMTP_URL",
        description="smtp://user:pass@host:587?starttls=true, or smtps://host:465 for implicit TLS.",
    )
    smtp_from: str = Field(default="Engage <engage@localhost>", validation_alias="ENGAGE_MAIL_FROM")
    base_url: str = Field(
        default_factory=served_base_url,
        validation_alias="ENGAGE_BASE_URL",
        description="The public address links in e-mails start with; unset: where the API serves.",
    )
    survey_fatigue_cap: int = Field(
        default=4,
        ge=1,
        validation_alias="ENGAGE_SURVEY_FATIGUE_CAP",
        description="At most this many survey e-mails per address per 30 days, across projects.",
    )

    outbox_key: str | None = Field(
        default=None,
        validation_alias="ENGAGE_OUTBOX_KEY",
        description="Base64url 32-byte AES key(s), comma-separated (first seals, all unseal) for the personal "
        "survey links queued e-mails carry sealed (store.link_seal); unset: a key for this process only.",
    )

    retention_respondents: IsoDuration = Field(
        default=DEFAULT_RESPONDENTS_PERIOD,
        validation_alias="ENGAGE_RETENTION_RESPONDENTS",
        description="How long respondents' personal data is kept after their project's last survey wave "
        "closed (ISO 8601, a day or more); then the daily retention run erases it.",
    )
    retention_applicants: IsoDuration = Field(
        default=DEFAULT_APPLICANTS_PERIOD,
        validation_alias="ENGAGE_RETENTION_APPLICANTS",
        description="How long unsuccessful exchange applicants' personal data is kept after they were told "
        "(ISO 8601, a day or more).",
    )

    @field_validator("retention_respondents", "retention_applicants", mode="before")
    @classmethod
    def _retention_period(cls, text: object) -> IsoDuration:
        # 👉 A bad period stops the worker at start, in words, not the first retention run a day later.
        return retention_period(str(text))

    @field_validator("smtp_url")
    @classmethod
    def _blank_is_none(cls, url: str | None) -> str | None:
        return url or None

    @field_validator("outbox_key")
    @classmethod
    def _outbox_key_parses(cls, key: str | None) -> str | None:
        if key and key.strip():
            LinkSeal.from_setting(key)  # a bad key stops the worker at start, not a delivery later
            return key
        return None

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")

    @property
    def smtp_configured(self) -> bool:
        return self.smtp_url is not None

    @property
    def link_seal(self) -> LinkSeal:
        return LinkSeal.from_setting(self.outbox_key)


def get_activity_settings() -> ActivitySettings:
    return ActivitySettings()
