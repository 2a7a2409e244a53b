"""Retention runs: one row per daily run of RetentionWorkflow, what it erased and the cut-offs it used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base


class RetentionRun(Base):
    """One run of `erase_expired_personal_data`: counts and times only, never personal data.

    `id` is the workflow's run id, so a retried activity adds to the same row. The counts grow in the
    same transaction as each batch they count: a run cut short still says truly what it erased, and
    `finished_at` stays NULL until the last batch is done.
    """

    __tablename__ = "retention_run"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    respondents_cutoff_at: Mapped[datetime]
    applicants_cutoff_at: Mapped[datetime]
    respondents_erased: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    applicants_erased: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
