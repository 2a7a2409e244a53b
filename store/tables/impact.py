"""Outcome ratings: the levels staff intended and the partner's and museum's reflections gave (issue 16)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.impact import LEVEL_MAX, LEVEL_MIN, RATING_SOURCES
from store.tables.base import Base, check_in


class OutcomeRating(Base):
    """One level per project, source and outcome: ids, keys and numbers only, never personal data.

    A later rating from the same source replaces the earlier (a resubmitted reflection, an edited
    intention): reports show what each side says now, and the project's events keep the history.
    """

    __tablename__ = "outcome_rating"
    __table_args__ = (
        CheckConstraint(check_in("source", RATING_SOURCES), name="source"),
        CheckConstraint(f"level BETWEEN {LEVEL_MIN} AND {LEVEL_MAX}", name="level"),
    )

    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    outcome_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime]
