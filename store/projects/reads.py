"""Read-side queries for the API: lists, filters and lookups over the read model.

Lists come from here rather than Temporal visibility, which is eventually consistent (the
orders-go rationale). Every list is paginated with a total and a stable order (newest first,
ties broken by id), so pages never overlap. Functions only read; they never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from domain.state import OUTSTANDING
from store.tables import ApiKey, Event, OutboxEmail, Partner, Project, ProjectPartner, WebSession, partner_name_key

_OUTSTANDING = tuple(sorted(status.value for status in OUTSTANDING))


@dataclass(frozen=True)
class ProjectFilter:
    """What `GET /api/v1/projects` narrows by; `partner_id` also scopes a partner key to its own."""

    stage: str | None = None
    template: str | None = None
    partner_id: str | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class ProjectListing:
    project: Project
    overdue: bool
    partner_ids: list[str] = field(default_factory=list)


async def ping(session: AsyncSession) -> None:
    """One trivial round trip; raises when the database cannot be reached."""
    await session.execute(text("SELECT 1"))


async def find_api_key(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return (await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))).scalar_one_or_none()


async def get_api_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def get_partner(session: AsyncSession, partner_id: str) -> Partner | None:
    return await session.get(Partner, partner_id)


async def web_session_active(session: AsyncSession, session_id: str, now: datetime) -> bool:
    """A page session that was started and is neither signed out nor expired."""
    found = await session.scalar(select(WebSession.id).where(WebSession.id == session_id, WebSession.expires_at > now))
    return found is not None


async def find_partner_by_name(session: AsyncSession, name: str) -> Partner | None:
    """The partner whose name equals `name` ignoring case and spacing (store.tables.partner_name_key)."""
    return await session.scalar(select(Partner).where(Partner.name_key == partner_name_key(name)))


async def list_partners(
    session: AsyncSession, *, only_id: str | None, limit: int, offset: int
) -> tuple[list[Partner], int]:
    """Partners, newest first; `only_id` restricts the list to one (a partner key sees itself)."""
    conditions = [Partner.id == only_id] if only_id is not None else []
    total = await _count(session, select(Partner).where(*conditions))
    rows = await session.execute(
        select(Partner).where(*conditions).order_by(Partner.created_at.desc(), Partner.id).limit(limit).offset(offset)
    )
    return list(rows.scalars()), total


async def missing_partner_ids(session: AsyncSession, partner_ids: Sequence[str]) -> list[str]:
    """Those of `partner_ids` that name no partner, in the order given."""
    if not partner_ids:
        return []
    found = set((await session.execute(select(Partner.id).where(Partner.id.in_(partner_ids)))).scalars())
    return [pid for pid in partner_ids if pid not in found]


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """A milestone of the project's current stage is still owed and its due date has passed.

    Read from `project.next_due_at` (indexed; the earliest due date of the current stage's owed
    milestones, kept by every snapshot): one index range instead of a correlated subquery over
    milestones per project, which SQLite planned as a scan (~15 s at 10,000 projects).
    """
    return and_(Project.next_due_at.is_not(None), Project.next_due_at <= now)


def _project_conditions(filters: ProjectFilter, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.stage is not None:
        conditions.append(Project.stage == filters.stage)
    if filters.template is not None:
        conditions.append(Project.template_name == filters.template)
    if filters.partner_id is not None:
        conditions.append(
            exists().where(ProjectPartner.project_id == Project.id, ProjectPartner.partner_id == filters.partner_id)
        )
    if filters.overdue is not None:
        overdue = overdue_condition(now)
        conditions.append(overdue if filters.overdue else ~overdue)
    return conditions


async def list_projects(
    session: AsyncSession, filters: ProjectFilter, *, now: datetime, limit: int, offset: int
) -> tuple[list[ProjectListing], int]:
    """Projects matching `filters`, newest first, each with its overdue flag and partner ids."""
    conditions = _project_conditions(filters, now)
    total = int((await session.execute(select(func.count(Project.id)).where(*conditions))).scalar_one())
    statement = (
        select(Project, overdue_condition(now).label("overdue"))
        .options(defer(Project.state))  # the snapshot JSON is for detail views, not lists
        .where(*conditions)
        .order_by(Project.created_at.desc(), Project.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(statement)).all()
    partners: dict[str, list[str]] = {project.id: [] for project, _ in rows}
    if partners:
        links = await session.execute(
            select(ProjectPartner.project_id, ProjectPartner.partner_id)
            .where(ProjectPartner.project_id.in_(list(partners)))
            .order_by(ProjectPartner.project_id, ProjectPartner.partner_id)
        )
        for project_id, partner_id in links.all():
            partners[project_id].append(partner_id)
    return [ProjectListing(project=p, overdue=bool(o), partner_ids=partners[p.id]) for p, o in rows], total


async def get_project(session: AsyncSession, project_id: str) -> Project | None:
    return await session.get(Project, project_id)


async def partner_in_project(session: AsyncSession, project_id: str, partner_id: str) -> bool:
    statement = select(ProjectPartner.project_id).where(
        ProjectPartner.project_id == project_id, ProjectPartner.partner_id == partner_id
    )
    return (await session.execute(statement)).first() is not None


async def list_events(session: AsyncSession, project_id: str, *, limit: int, offset: int) -> tuple[list[Event], int]:
    """A project's timeline, oldest first (by `seq`, which the workflow numbers without gaps)."""
    condition = Event.project_id == project_id
    total = await _count(session, select(Event).where(condition))
    rows = await session.execute(select(Event).where(condition).order_by(Event.seq).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def list_outbox(
    session: AsyncSession, *, project_id: str | None, limit: int, offset: int
) -> tuple[list[OutboxEmail], int]:
    """E-mails written to the outbox, newest first, optionally for one project."""
    conditions = [OutboxEmail.project_id == project_id] if project_id is not None else []
    total = await _count(session, select(OutboxEmail).where(*conditions))
    rows = await session.execute(
        select(OutboxEmail)
        .where(*conditions)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), total


async def _count(session: AsyncSession, statement: Select[Any]) -> int:
    counted = await session.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
    return int(counted.scalar_one())
