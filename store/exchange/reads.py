"""Knowledge Exchange, read: programmes, applications, placements and their projects' overdue milestones.

Functions only read; they never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.state import OUTSTANDING
from store.tables import ExchangeApplication, ExchangePlacement, ExchangeProgramme, Milestone, Project

_OUTSTANDING = tuple(sorted(status.value for status in OUTSTANDING))


async def get_programme(session: AsyncSession, year: int) -> ExchangeProgramme | None:
    return await session.get(ExchangeProgramme, year)


async def list_programmes(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[ExchangeProgramme], int]:
    """Programmes, newest year first."""
    total = await session.scalar(select(func.count()).select_from(ExchangeProgramme))
    rows = await session.scalars(
        select(ExchangeProgramme).order_by(ExchangeProgramme.year.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


async def get_application(session: AsyncSession, year: int, application_id: str) -> ExchangeApplication | None:
    found = await session.get(ExchangeApplication, application_id)
    return found if found is not None and found.year == year else None


async def list_applications(
    session: AsyncSession,
    year: int,
    *,
    organisations: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
) -> list[ExchangeApplication]:
    """A year's applications, oldest first; optionally only these organisations and statuses."""
    statement = select(ExchangeApplication).where(ExchangeApplication.year == year)
    if organisations is not None:
        statement = statement.where(ExchangeApplication.organisation.in_(list(organisations)))
    if statuses is not None:
        statement = statement.where(ExchangeApplication.status.in_(list(statuses)))
    rows = await session.scalars(statement.order_by(ExchangeApplication.submitted_at, ExchangeApplication.id))
    return list(rows)


async def list_placements(session: AsyncSession, year: int) -> list[ExchangePlacement]:
    rows = await session.scalars(
        select(ExchangePlacement)
        .where(ExchangePlacement.year == year)
        .order_by(ExchangePlacement.starts_on, ExchangePlacement.id)
    )
    return list(rows)


async def get_placement(session: AsyncSession, year: int, placement_id: str) -> ExchangePlacement | None:
    found = await session.get(ExchangePlacement, placement_id)
    return found if found is not None and found.year == year else None


@dataclass(frozen=True)
class OverdueMilestone:
    project_id: str
    key: str
    title: str
    due_at: datetime


async def placement_projects(session: AsyncSession, project_ids: Sequence[str]) -> dict[str, Project]:
    """The read-model project rows of these placements (a placement not yet started has none)."""
    if not project_ids:
        return {}
    rows = await session.scalars(select(Project).where(Project.id.in_(list(project_ids))))
    return {p.id: p for p in rows}


async def overdue_milestones(
    session: AsyncSession, project_ids: Sequence[str], now: datetime
) -> list[OverdueMilestone]:
    """Milestones of each project's current stage still owed after their due date (what 'overdue' means
    in store.projects.reads), by due date."""
    if not project_ids:
        return []
    rows = await session.execute(
        select(Milestone.project_id, Milestone.key, Milestone.title, Milestone.due_at)
        .join(Project, Project.id == Milestone.project_id)
        .where(
            Milestone.project_id.in_(list(project_ids)),
            Milestone.stage == Project.stage,
            Milestone.status.in_(_OUTSTANDING),
            Milestone.due_at <= now,
        )
        .order_by(Milestone.due_at, Milestone.project_id, Milestone.key)
    )
    return [OverdueMilestone(p, k, t, d) for p, k, t, d in rows.all() if d is not None]
