"""The database tables: the read model the API lists from, the event log, and the e-mail outbox.

Constraints:
- Every constraint and index is named by `NAMING_CONVENTION`, so migrations can drop them by name on
  PostgreSQL and SQLite alike (SQLite batch mode needs names to rebuild a table).
- Every datetime is a `UtcDateTime`: stored as UTC, always read back timezone-aware UTC. SQLite keeps no
  offset, so without it a value would come back naive and compare wrongly with aware ones.
- `project`, `milestone`, `submission`, `workshop` and `project_partner` are a projection of the
  workflow's `ProjectState`, written only by the `record_project_changes` activity (store.records),
  except that the API inserts the `project` row (event_seq 0, state NULL) when it starts a project.
- `event` is append-only; `(project_id, seq)` is the idempotency key of a domain event.
- `outbox_email.dedupe_key` is the idempotency key of an e-mail: event id plus a hash of the address
  (never the address itself), so a retried activity never queues or sends one twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Roles an API key may carry; a `partner` key is bound to one partner organisation.
API_KEY_ROLES: tuple[str, ...] = ("admin", "staff", "partner")
#: Outbox statuses: `held` means no SMTP is configured (the message is only visible in the dashboard).
OUTBOX_STATUSES: tuple[str, ...] = ("queued", "sent", "failed", "held")


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


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Partner(Base):
    """A partner organisation and the one contact that receives its e-mails."""

    __tablename__ = "partner"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class ApiKey(Base):
    """An API key, stored only as the sha256 of the full key; `prefix` lets people tell keys apart."""

    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(_in("role", API_KEY_ROLES), name="role"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Project(Base):
    """One row per project: the columns the API lists and filters on, plus the last state snapshot.

    `event_seq` is the seq of the last event applied; the activity only overwrites a row whose
    `event_seq` is lower than the snapshot's, so a late retry never moves the read model backwards.
    """

    __tablename__ = "project"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(128))
    template_name: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    lead_name: Mapped[str] = mapped_column(String(200))
    lead_email: Mapped[str] = mapped_column(String(320))
    stage: Mapped[str] = mapped_column(String(32), index=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64))
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    event_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    state: Mapped[dict[str, Any] | None]


class ProjectPartner(Base):
    __tablename__ = "project_partner"

    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True, index=True)


class Milestone(Base):
    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_status_due_at", "status", "due_at"),)

    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    submitter: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean)
    review_required: Mapped[bool] = mapped_column(Boolean)
    due_at: Mapped[datetime | None]


class Submission(Base):
    """One submission of a milestone; `number` counts from 1 per milestone."""

    __tablename__ = "submission"
    __table_args__ = (
        ForeignKeyConstraint(
            ["project_id", "milestone_key"], ["milestone.project_id", "milestone.key"], ondelete="CASCADE"
        ),
    )

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    milestone_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_party: Mapped[str] = mapped_column(String(16))
    actor_partner_id: Mapped[str | None] = mapped_column(String(32))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text)
    links: Mapped[list[Any]]
    submitted_at: Mapped[datetime]
    decision: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None]


class Workshop(Base):
    __tablename__ = "workshop"

    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300))
    attendance: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime | None]


class Event(Base):
    """The append-only audit log: one row per domain event, written once (ON CONFLICT DO NOTHING)."""

    __tablename__ = "event"

    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    stage: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    milestone_key: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]


class OutboxEmail(Base):
    """An e-mail to send (or, with no SMTP configured, only to show): at most one per event and address."""

    __tablename__ = "outbox_email"
    __table_args__ = (CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    event_id: Mapped[str] = mapped_column(String(100), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(16))
    to_name: Mapped[str] = mapped_column(String(200))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
