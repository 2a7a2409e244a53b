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
- Follow-up surveys (`respondent`, `survey_*`): written by the wave activities (activities.surveys) and by
  the API in a request (store.surveys). Raw survey tokens are never stored, only their sha256
  (`survey_token.token_hash`); a person is known across projects only by `email_hash` (sha256 of the
  trimmed, lower-cased address), which is what global suppression and the fatigue cap key on.
- Knowledge Exchange (`exchange_*`): `exchange_programme`, `exchange_event` and `exchange_placement` are a
  projection of ExchangeProgrammeWorkflow's state, written by its activities (store.exchange_records), except
  the programme row the API inserts at start (event_seq 0). `exchange_application` is written by the API in
  the request (the call for applications is a burst: never Updates on one workflow); one per person per year
  by `(year, email_hash)`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
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
#: Outbox statuses: `held` means no SMTP is configured (the message is only visible in the dashboard);
#: `cancelled` is a survey e-mail withdrawn before sending (the respondent answered, opted out or bounced).
OUTBOX_STATUSES: tuple[str, ...] = ("queued", "sent", "failed", "held", "cancelled")
#: Outbox kinds: `survey` e-mails count towards a person's fatigue cap, `project` ones do not;
#: `exchange` e-mails belong to a Knowledge Exchange programme, not a project (`project_id` NULL).
OUTBOX_KINDS: tuple[str, ...] = ("project", "survey", "exchange")
#: Why an address gets no survey e-mail from any project.
SUPPRESSION_REASONS: tuple[str, ...] = ("opted_out_everywhere", "bounced")
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


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def partner_name_key(name: str) -> str:
    """A partner's name as it is compared: case-folded, spaces collapsed ("Harbour  heritage" = "harbour heritage")."""
    return " ".join(name.casefold().split())


def _name_key_default(context: Any) -> str:
    return partner_name_key(str(context.get_current_parameters()["name"]))


class Partner(Base):
    """A partner organisation and the one contact that receives its e-mails.

    `name_key` (the name case-folded, spaces collapsed) is unique: two organisations whose names
    differ only in case or spacing are the same organisation registered twice. Filled from `name`
    on insert, so every writer gets it.
    """

    __tablename__ = "partner"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True, default=_name_key_default)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in page session: the cookie names this row, so signing out (deleting it) ends the
    session on every replica at once, whatever copy of the cookie is still around."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # secrets.token_urlsafe(32)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


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
    """An e-mail to send (or, with no SMTP configured, only to show): at most one per event and address.

    Survey e-mails (`kind` survey) also carry the respondent and `recipient_hash` (the address's
    email_hash): the fatigue cap counts them per person across projects by that hash and time.
    """

    __tablename__ = "outbox_email"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        CheckConstraint(_in("kind", OUTBOX_KINDS), name="kind"),
        Index("ix_outbox_email_recipient_hash_created_at", "recipient_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    event_id: Mapped[str] = mapped_column(String(100), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
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
    kind: Mapped[str] = mapped_column(String(16), default="project", server_default="project")
    respondent_id: Mapped[str | None] = mapped_column(ForeignKey("respondent.id", ondelete="SET NULL"), index=True)
    recipient_hash: Mapped[str | None] = mapped_column(String(64))


class Respondent(Base):
    """Someone asked to answer a project's follow-up surveys; one row per project and address."""

    __tablename__ = "respondent"
    __table_args__ = (UniqueConstraint("project_id", "email_hash"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    opted_out_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]


class SurveySuppression(Base):
    """An address that gets no survey e-mail from any project (opted out everywhere, or bounced)."""

    __tablename__ = "survey_suppression"
    __table_args__ = (CheckConstraint(_in("reason", SUPPRESSION_REASONS), name="reason"),)

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class SurveyWave(Base):
    """One wave of a project's follow-up: its plan (from the workflow) and whether it is open."""

    __tablename__ = "survey_wave"
    __table_args__ = (CheckConstraint(_in("status", WAVE_STATUSES), name="status"),)

    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    wave_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    offset: Mapped[str] = mapped_column(String(32))  # ISO 8601 duration, e.g. P3M
    due_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    reminders_at: Mapped[list[Any]]  # ISO datetimes
    instrument: Mapped[str] = mapped_column(String(80))  # name@version
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class SurveyInvitation(Base):
    """A respondent's place in one wave: invited (with `reminders` rounds sent) or deferred by the fatigue cap."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        CheckConstraint(_in("status", INVITATION_STATUSES), name="status"),
        ForeignKeyConstraint(
            ["project_id", "wave_index"], ["survey_wave.project_id", "survey_wave.wave_index"], ondelete="CASCADE"
        ),
    )

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    wave_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondent.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[datetime | None]
    deferred_until: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_reminded_at: Mapped[datetime | None]


class SurveyToken(Base):
    """A personal survey link, by the sha256 of its raw token (the raw token lives only in the e-mail)."""

    __tablename__ = "survey_token"
    __table_args__ = (
        ForeignKeyConstraint(
            ["project_id", "wave_index"], ["survey_wave.project_id", "survey_wave.wave_index"], ondelete="CASCADE"
        ),
        Index("ix_survey_token_project_id_wave_index", "project_id", "wave_index"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    respondent_id: Mapped[str] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    wave_index: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]


class SurveyResponse(Base):
    """One respondent's answers to one wave; the unique key refuses a second without touching the first."""

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("project_id", "wave_index", "respondent_id"),
        ForeignKeyConstraint(
            ["project_id", "wave_index"], ["survey_wave.project_id", "survey_wave.wave_index"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64))
    wave_index: Mapped[int] = mapped_column(Integer)
    respondent_id: Mapped[str] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]]
    submitted_at: Mapped[datetime]


#: Where an application stands; `shortlisted`/`selected` mirror the programme's state, `unsuccessful`
#: is set when the programme tells those not placed.
APPLICATION_STATUSES: tuple[str, ...] = ("received", "shortlisted", "selected", "unsuccessful")
EMPLOYMENTS: tuple[str, ...] = ("employed", "freelance", "volunteer")
DIRECTIONS: tuple[str, ...] = ("to_museum", "to_partner")


class ExchangeProgramme(Base):
    """One row per Knowledge Exchange year: the columns the API filters on, plus the last state snapshot.

    Like `project`, `event_seq` guards the upsert so a late retry never moves the row backwards.
    """

    __tablename__ = "exchange_programme"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    phase: Mapped[str] = mapped_column(String(16))
    budget: Mapped[float] = mapped_column(Float)
    state: Mapped[dict[str, Any]]
    event_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    applications_opens_at: Mapped[datetime]
    applications_closes_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ExchangeEventRow(Base):
    """The programme's append-only timeline; `(year, seq)` is the idempotency key."""

    __tablename__ = "exchange_event"

    year: Mapped[int] = mapped_column(
        ForeignKey("exchange_programme.year", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]


class ExchangeApplication(Base):
    """A colleague's application to a year's exchange; `organisation` is 'museum' or a partner id."""

    __tablename__ = "exchange_application"
    __table_args__ = (
        UniqueConstraint("year", "email_hash"),
        CheckConstraint(_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint(_in("employment", EMPLOYMENTS), name="employment"),
        Index("ix_exchange_application_year_organisation", "year", "organisation"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    year: Mapped[int] = mapped_column(ForeignKey("exchange_programme.year", ondelete="CASCADE"))
    organisation: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    email_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(200))
    employment: Mapped[str] = mapped_column(String(16))
    statement_of_benefit: Mapped[str] = mapped_column(Text)
    hoped_gains: Mapped[str] = mapped_column(Text)
    offer: Mapped[str] = mapped_column(Text)
    preferred_areas: Mapped[list[Any]]
    access_needs: Mapped[str] = mapped_column(Text, default="")
    availability: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="received", server_default="received")


class ExchangePlacement(Base):
    """A matched placement; `id` is the placement id, which is also its project's id.

    `case_study` is staff's mark, set by the API only: the activities never overwrite it.
    """

    __tablename__ = "exchange_placement"
    __table_args__ = (CheckConstraint(_in("direction", DIRECTIONS), name="direction"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("exchange_programme.year", ondelete="CASCADE"), index=True)
    partner_id: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[str] = mapped_column(String(32), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    focus_areas: Mapped[list[Any]]
    case_study: Mapped[bool] = mapped_column(Boolean, default=False)
