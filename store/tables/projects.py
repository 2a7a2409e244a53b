"""The project read model (a projection of ProjectWorkflow's state), its event log and the e-mail outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import OUTBOX_KINDS, OUTBOX_STATUSES, Base, check_in


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
        CheckConstraint(check_in("status", OUTBOX_STATUSES), name="status"),
        CheckConstraint(check_in("kind", OUTBOX_KINDS), name="kind"),
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
    #: A survey e-mail's personal link, AES-GCM sealed (store.link_seal) until sent, failed or cancelled.
    sealed_link: Mapped[str | None] = mapped_column(Text)
