"""The Knowledge Exchange read model, the API's side: the programme's first row, applications, lookups.

Writes (`insert_programme`, `add_application`, `mark_case_study`) commit their own unit of work, like
store.commands; reads never write. An application is stored in ONE transaction: the unique key
`(year, email_hash)` makes a second application by the same person (even a concurrent one) a no-op
that the caller answers 409, without touching the first. The worker's writes live in
store.exchange_records.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.exchange import ExchangeState
from domain.state import OUTSTANDING
from store.exchange_records import programme_row
from store.surveys import email_hash
from store.tables import ExchangeApplication, ExchangePlacement, ExchangeProgramme, Milestone, Project
from store.upserts import insert_ignore

_OUTSTANDING = tuple(sorted(status.value for status in OUTSTANDING))


async def insert_programme(session: AsyncSession, state: ExchangeState, now: datetime) -> None:
    """The programme's first row (event_seq 0), unless the worker already wrote a newer one. Commits."""
    await insert_ignore(session, ExchangeProgramme, [programme_row(state, created_at=now, updated_at=now)])
    await session.commit()


async def get_programme(session: AsyncSession, year: int) -> ExchangeProgramme | None:
    return await session.get(ExchangeProgramme, year)


async def list_programmes(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[ExchangeProgramme], int]:
    """Programmes, newest year first."""
    total = await session.scalar(select(func.count()).select_from(ExchangeProgramme))
    rows = await session.scalars(
        select(ExchangeProgramme).order_by(ExchangeProgramme.year.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


# -- applications --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewApplication:
    """An application the API has validated (window, eligibility, organisation)."""

    organisation: str
    name: str
    email: str
    role: str
    employment: str
    statement_of_benefit: str
    hoped_gains: str
    offer: str
    preferred_areas: list[str] = field(default_factory=list)
    access_needs: str = ""
    availability: str = ""


async def add_application(
    session: AsyncSession, year: int, application: NewApplication, now: datetime
) -> ExchangeApplication | None:
    """Store the application in one transaction; None (nothing written) if this person already applied
    this year. Commits."""
    row = {
        "id": uuid.uuid4().hex,
        "year": year,
        "organisation": application.organisation,
        "name": application.name,
        "email": application.email,
        "email_hash": email_hash(application.email),
        "role": application.role,
        "employment": application.employment,
        "statement_of_benefit": application.statement_of_benefit,
        "hoped_gains": application.hoped_gains,
        "offer": application.offer,
        "preferred_areas": list(application.preferred_areas),
        "access_needs": application.access_needs,
        "availability": application.availability,
        "submitted_at": now,
        "status": "received",
    }
    if not await insert_ignore(session, ExchangeApplication, [row]):
        await session.rollback()
        return None
    await session.commit()
    return await session.get(ExchangeApplication, row["id"])


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


# -- placements ----------------------------------------------------------------------------------


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


async def mark_case_study(session: AsyncSession, year: int, placement_id: str) -> bool:
    """Mark the placement a case study (idempotent); False if the year has no such placement. Commits."""
    result = await session.execute(
        update(ExchangePlacement)
        .where(ExchangePlacement.year == year, ExchangePlacement.id == placement_id)
        .values(case_study=True)
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


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
    in store.queries), by due date."""
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
