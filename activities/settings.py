"""What activities need from the environment: SMTP, the sender, the public base URL for links, and the
survey fatigue cap.

All defaulted: with no SMTP_URL every e-mail is written to the outbox as 'held' and shown in the
dashboard, which is what `make run` and most tests want.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ActivitySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    smtp_url: str | None = Field(
        default=None,
        validation_alias="SMTP_URL",
        description="smtp://user:pass@host:587?starttls=true, or smtps://host:465 for implicit TLS.",
    )
    smtp_from: str = Field(default="Engage <engage@localhost>", validation_alias="ENGAGE_MAIL_FROM")
    base_url: str = Field(default="http://127.0.0.1:8000", validation_alias="ENGAGE_BASE_URL")
    survey_fatigue_cap: int = Field(
        default=4,
        ge=1,
        validation_alias="ENGAGE_SURVEY_FATIGUE_CAP",
        description="At most this many survey e-mails per address per 30 days, across projects.",
    )

    @field_validator("smtp_url")
    @classmethod
    def _blank_is_none(cls, url: str | None) -> str | None:
        return url or None

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")

    @property
    def smtp_configured(self) -> bool:
        return self.smtp_url is not None


def get_activity_settings() -> ActivitySettings:
    return ActivitySettings()
