"""Projects, read: lists, filters and lookups over the read model for the API.

Lists come from here rather than Temporal visibility, which is eventually consistent (the
orders-go rationale). Every list is paginated with a total and a stable order (newest first,
ties broken by id), so pages never overlap. Functions only read; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from store.paging import count_rows
from store.tables import Event, OutboxEmail, Project, ProjectPartner


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
    total = await count_rows(session, select(Event).where(condition))
    rows = await session.execute(select(Event).where(condition).order_by(Event.seq).limit(limit).offset(offset))
    return list(rows.scalars()), total


@dataclass(frozen=True)
class OutboxFilter:
    """What the outbox narrows by (issue 15): a project, a kind (store.tables.OUTBOX_KINDS), and a
    recipient: part of the address or the name, any case (staff type what they remember)."""

    project_id: str | None = None
    kind: str | None = None
    recipient: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.project_id is not None:
            found.append(OutboxEmail.project_id == self.project_id)
        if self.kind is not None:
            found.append(OutboxEmail.kind == self.kind)
        if self.recipient:
            wanted = self.recipient.lower()
            found.append(
                func.lower(OutboxEmail.to_address).contains(wanted, autoescape=True)
                | func.lower(OutboxEmail.to_name).contains(wanted, autoescape=True)
            )
        return found


async def list_outbox(
    session: AsyncSession, *, project_id: str | None, limit: int, offset: int, filters: OutboxFilter | None = None
) -> tuple[list[OutboxEmail], int]:
    """E-mails written to the outbox, newest first, optionally for one project or as `filters` narrow."""
    filters = filters or OutboxFilter()
    if project_id is not None:
        filters = OutboxFilter(project_id=project_id, kind=filters.kind, recipient=filters.recipient)
    conditions = filters.conditions()
    total = await count_rows(session, select(OutboxEmail).where(*conditions))
    rows = await session.execute(
        select(OutboxEmail)
        .where(*conditions)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), total


async def project_partner_ids(session: AsyncSession, project_id: str) -> list[str]:
    """The partners taking part in a project, as the read model has them."""
    rows = await session.scalars(select(ProjectPartner.partner_id).where(ProjectPartner.project_id == project_id))
    return list(rows)
