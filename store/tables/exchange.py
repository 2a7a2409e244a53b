"""Knowledge Exchange: programmes, their event log, applications and placements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, check_in

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
        CheckConstraint(check_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint(check_in("employment", EMPLOYMENTS), name="employment"),
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
    __table_args__ = (CheckConstraint(check_in("direction", DIRECTIONS), name="direction"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("exchange_programme.year", ondelete="CASCADE"), index=True)
    partner_id: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[str] = mapped_column(String(32), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    focus_areas: Mapped[list[Any]]
    case_study: Mapped[bool] = mapped_column(Boolean, default=False)
