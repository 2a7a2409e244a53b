"""Shared by every table: the naming convention, the UTC datetime type, JSON documents, `Base`.

Every constraint and index is named by `NAMING_CONVENTION`, so migrations can drop them by name on
PostgreSQL and SQLite alike (SQLite batch mode needs names to rebuild a table). Every datetime is a
`UtcDateTime`: stored as UTC, always read back timezone-aware UTC (SQLite keeps no offset).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    MetaData,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Roles an API key may carry; a `partner` key is bound to one partner organisation.
API_KEY_ROLES: tuple[str, ...] = ("admin", "staff", "partner")
#: Outbox statuses: `held` means no SMTP is configured (the message is only visible in the dashboard);
#: `cancelled` is a survey e-mail withdrawn before sending (the respondent answered, opted out or bounced).
OUTBOX_STATUSES: tuple[str, ...] = ("queued", "sent", "failed", "held", "cancelled")
#: Outbox kinds: `survey` e-mails count towards a person's fatigue cap, `project` ones do not;
#: `exchange` e-mails belong to a Knowledge Exchange programme, not a project (`project_id` NULL);
#: `account` e-mails are a person's sign-in links (no project either, the link sealed like survey links).
OUTBOX_KINDS: tuple[str, ...] = ("project", "survey", "exchange", "account")
#: Why an address gets no survey e-mail from any project; `erased` (the person's data was erased on
#: request) also stops project and programme e-mail to it.
SUPPRESSION_REASONS: tuple[str, ...] = ("opted_out_everywhere", "bounced", "erased")
WAVE_STATUSES: tuple[str, ...] = ("scheduled", "open", "closed")
#: `deferred`: held back by the fatigue cap until `deferred_until`; the next open call invites them.
INVITATION_STATUSES: tuple[str, ...] = ("invited", "deferred")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; naive input is refused rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: Engage stores timezone-aware UTC datetimes only")
        value = value.astimezone(UTC)
        # SQLite's DATETIME keeps no offset; strip it after converting so every stored value is UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON documents; JSONB on PostgreSQL so they can be indexed and compared there.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JsonDocument, list[Any]: JsonDocument}


def check_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def partner_name_key(name: str) -> str:
    """A partner's name as it is compared: case-folded, spaces collapsed ("Harbour  heritage" = "harbour heritage")."""
    return " ".join(name.casefold().split())


def name_key_default(context: Any) -> str:
    return partner_name_key(str(context.get_current_parameters()["name"]))
