"""Follow-up surveys: respondents, global suppressions, waves, invitations, tokens (hashed) and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import INVITATION_STATUSES, SUPPRESSION_REASONS, WAVE_STATUSES, Base, check_in


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
    __table_args__ = (CheckConstraint(check_in("reason", SUPPRESSION_REASONS), name="reason"),)

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class SurveyWave(Base):
    """One wave of a project's follow-up: its plan (from the workflow) and whether it is open."""

    __tablename__ = "survey_wave"
    __table_args__ = (CheckConstraint(check_in("status", WAVE_STATUSES), name="status"),)

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
        CheckConstraint(check_in("status", INVITATION_STATUSES), name="status"),
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
    #: Set when a newer link for the same wave replaced this one (a reminder): it no longer opens the
    #: survey (410, as an expired link), though it still opts out.
    retired_at: Mapped[datetime | None]


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
