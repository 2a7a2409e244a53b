"""Reads for the weekly digest e-mail (issue 16): who receives one, and what waits on which projects.

A handful of grouped queries over the whole read model, never one per project or per person: the
rows are few (submissions waiting for review, milestones overdue, waves open) even with thousands of
projects, and the activity shares them out by lead. A project's lead is matched to a staff account the
way the codebase matches people (store.people.reads): the trimmed, lower-cased address, so
`Ada@Museum.example ` leads the projects of the account `ada@museum.example`.

Only reads; never commits. Rows carry project ids and titles, milestone titles and counts, never
another person's name or address (the lead's normalised address is the join key, dropped by the caller).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.erasure import is_erased_address
from domain.follow_up import WaveCounts
from domain.state import OUTSTANDING, MilestoneStatus
from store.surveys.reads_reports import wave_counts_for
from store.tables import Milestone, Project, SurveyWave, UserAccount

#: Roles that receive the digest.
DIGEST_ROLES = ("staff", "admin")
#: Stages in which nothing more is owed or reviewed.
_ENDED = ("closed", "withdrawn", "declined")


@dataclass(frozen=True)
class StaffAccount:
    id: str
    name: str
    email: str
    role: str

    @property
    def lead_key(self) -> str:
        """How this account is matched to `project.lead_email` (trimmed, lower-cased)."""
        return self.email.strip().lower()


@dataclass(frozen=True)
class MilestoneItem:
    """A milestone on a project: waiting for review, or overdue."""

    project_id: str
    project_title: str
    lead_key: str
    milestone_key: str
    milestone_title: str
    due_at: datetime | None


@dataclass(frozen=True)
class WaveItem:
    """A follow-up survey wave on a project: open now (with its counts), or opening soon."""

    project_id: str
    project_title: str
    lead_key: str
    wave_index: int
    offset: str
    due_at: datetime
    closes_at: datetime | None
    counts: WaveCounts | None = None


def _lead_key() -> Any:
    return func.lower(func.trim(Project.lead_email))


async def active_staff(session: AsyncSession) -> list[StaffAccount]:
    """Staff and admin accounts not removed and not erased, by id."""
    rows = await session.execute(
        select(UserAccount.id, UserAccount.name, UserAccount.email, UserAccount.role)
        .where(UserAccount.role.in_(DIGEST_ROLES), UserAccount.removed_at.is_(None))
        .order_by(UserAccount.id)
    )
    return [StaffAccount(*row) for row in rows.all() if row.email and not is_erased_address(row.email)]


async def awaiting_review(session: AsyncSession) -> list[MilestoneItem]:
    """Milestones of each live project's current stage submitted and waiting for staff's review."""
    rows = await session.execute(
        select(Project.id, Project.title, _lead_key(), Milestone.key, Milestone.title, Milestone.due_at)
        .join(Project, Project.id == Milestone.project_id)
        .where(
            Milestone.status == MilestoneStatus.SUBMITTED.value,
            Milestone.review_required.is_(True),
            Milestone.stage == Project.stage,
            Project.stage.not_in(_ENDED),
        )
        .order_by(Project.title, Project.id, Milestone.key)
    )
    return [MilestoneItem(*row) for row in rows.all()]


async def overdue(session: AsyncSession, now: datetime) -> list[MilestoneItem]:
    """Milestones of each live project's current stage still owed after their due date (what
    'overdue' means in store.projects.reads and store.exchange.reads), oldest due date first."""
    rows = await session.execute(
        select(Project.id, Project.title, _lead_key(), Milestone.key, Milestone.title, Milestone.due_at)
        .join(Project, Project.id == Milestone.project_id)
        .where(
            Milestone.status.in_([s.value for s in OUTSTANDING]),
            Milestone.stage == Project.stage,
            Milestone.due_at <= now,
            Project.stage.not_in(_ENDED),
        )
        .order_by(Milestone.due_at, Project.id, Milestone.key)
    )
    return [MilestoneItem(*row) for row in rows.all()]


async def open_waves(session: AsyncSession) -> list[WaveItem]:
    """Every open wave with its counts (store.surveys.reads_reports.wave_counts_for, one grouped query)."""
    rows = (
        await session.execute(
            select(
                Project.id,
                Project.title,
                _lead_key(),
                SurveyWave.wave_index,
                SurveyWave.offset,
                SurveyWave.due_at,
                SurveyWave.closes_at,
            )
            .join(Project, Project.id == SurveyWave.project_id)
            .where(SurveyWave.status == "open")
            .order_by(Project.title, Project.id, SurveyWave.wave_index)
        )
    ).all()
    counts = await wave_counts_for(session, [(row[0], row[3]) for row in rows])
    return [
        WaveItem(project_id, title, lead, index, str(offset), due_at, closes_at, counts.get((project_id, index)))
        for project_id, title, lead, index, offset, due_at, closes_at in rows
    ]


async def waves_recorded_as_due(session: AsyncSession, start: datetime, end: datetime) -> list[WaveItem]:
    """Waves the read model holds as still scheduled with a due date in [start, end)."""
    rows = await session.execute(
        select(
            Project.id,
            Project.title,
            _lead_key(),
            SurveyWave.wave_index,
            SurveyWave.offset,
            SurveyWave.due_at,
            SurveyWave.closes_at,
        )
        .join(Project, Project.id == SurveyWave.project_id)
        .where(SurveyWave.status == "scheduled", SurveyWave.due_at >= start, SurveyWave.due_at < end)
    )
    return [WaveItem(*row) for row in rows.all()]


@dataclass(frozen=True)
class FollowUpProject:
    project_id: str
    project_title: str
    lead_key: str


async def in_follow_up(session: AsyncSession, lead_keys: Sequence[str]) -> list[FollowUpProject]:
    """Projects in their follow_up stage led by one of `lead_keys`: their FollowUpWorkflow holds the
    waves not yet sent (the read model records a wave only once it opens)."""
    if not lead_keys:
        return []
    rows = await session.execute(
        select(Project.id, Project.title, _lead_key())
        .where(Project.stage == "follow_up", _lead_key().in_(sorted(set(lead_keys))))
        .order_by(Project.id)
    )
    return [FollowUpProject(*row) for row in rows.all()]
