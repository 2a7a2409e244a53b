"""Search, read (issue 15): projects by title, partners by name, people by name or e-mail.

Every match is a case-insensitive substring with the search's `%` and `_` taken literally
(`autoescape`), so what staff type is what is looked for. Each source answers one page's worth at most
(`need`: the offset plus the page size) in a stable order, plus its total, so the API can lay the
sources end to end (projects, partners, then people) and page through them without overlap. Functions
only read; they never commit. Who may search people is the API's rule (staff only); the scope to one
partner's own projects and organisation is applied here, in the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.paging import count_rows
from store.tables import Partner, Project, ProjectPartner, Respondent
from store.tables.accounts import UserAccount


@dataclass(frozen=True)
class Found:
    """One match: its kind, id, what it is called, what it is (in words), its address (people only),
    and the page it lives on (None: no page shows it)."""

    kind: str
    id: str
    title: str
    detail: str
    link: str | None
    email: str | None = None


def _like(column: Any, query: str) -> ColumnElement[bool]:
    return func.lower(column).contains(query.lower(), autoescape=True)


async def _first(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], order: tuple[Any, ...], need: int
) -> tuple[list[Any], int]:
    total = await count_rows(session, statement)
    if need <= 0 or total == 0:
        return [], total
    rows = await session.execute(statement.order_by(*order).limit(need))
    return list(rows.all()), total


async def projects(session: AsyncSession, query: str, *, partner_id: str | None, need: int) -> tuple[list[Found], int]:
    """Projects whose title matches; a partner's search sees only the projects it takes part in."""
    statement = select(Project.id, Project.title, Project.stage).where(_like(Project.title, query))
    if partner_id is not None:
        statement = statement.where(
            exists().where(ProjectPartner.project_id == Project.id, ProjectPartner.partner_id == partner_id)
        )
    rows, total = await _first(session, statement, (func.lower(Project.title), Project.id), need)
    return [
        Found("project", r.id, r.title, f"Project, {r.stage.replace('_', ' ')}", f"/projects/{r.id}") for r in rows
    ], total


async def partners(session: AsyncSession, query: str, *, only_id: str | None, need: int) -> tuple[list[Found], int]:
    """Partner organisations whose name matches; a partner's search sees only its own."""
    statement = select(Partner.id, Partner.name).where(_like(Partner.name, query))
    if only_id is not None:
        statement = statement.where(Partner.id == only_id)
    rows, total = await _first(session, statement, (Partner.name_key, Partner.id), need)
    return [Found("partner", r.id, r.name, "Partner organisation", f"/partners/{r.id}") for r in rows], total


async def leads(session: AsyncSession, query: str, *, need: int) -> tuple[list[Found], int]:
    """Projects' museum leads whose name or address matches (one hit per project)."""
    statement = select(Project.id, Project.title, Project.lead_name, Project.lead_email).where(
        _like(Project.lead_name, query) | _like(Project.lead_email, query)
    )
    rows, total = await _first(session, statement, (func.lower(Project.lead_name), Project.id), need)
    found = [
        Found("person", f"lead:{r.id}", r.lead_name, f"Lead of “{r.title}”", f"/projects/{r.id}", r.lead_email)
        for r in rows
    ]
    return found, total


async def contacts(session: AsyncSession, query: str, *, need: int) -> tuple[list[Found], int]:
    """Partner organisations' contacts whose name or address matches."""
    statement = select(Partner.id, Partner.name, Partner.contact_name, Partner.contact_email).where(
        _like(Partner.contact_name, query) | _like(Partner.contact_email, query)
    )
    rows, total = await _first(session, statement, (func.lower(Partner.contact_name), Partner.id), need)
    found = [
        Found("person", f"contact:{r.id}", r.contact_name, f"Contact of {r.name}", f"/partners/{r.id}", r.contact_email)
        for r in rows
    ]
    return found, total


async def respondents(session: AsyncSession, query: str, *, need: int) -> tuple[list[Found], int]:
    """Follow-up respondents whose name or address matches (one hit per project they answer for)."""
    statement = (
        select(Respondent.id, Respondent.name, Respondent.email, Project.id.label("project_id"), Project.title)
        .join(Project, Project.id == Respondent.project_id)
        .where(_like(Respondent.name, query) | _like(Respondent.email, query))
    )
    rows, total = await _first(session, statement, (func.lower(Respondent.name), Respondent.id), need)
    found = [
        Found(
            "person",
            f"respondent:{r.id}",
            r.name,
            f"Respondent in “{r.title}”",
            f"/projects/{r.project_id}",
            r.email,
        )
        for r in rows
    ]
    return found, total


async def accounts(session: AsyncSession, query: str, *, need: int) -> tuple[list[Found], int]:
    """People who sign in (not removed) whose name or address matches."""
    statement = select(UserAccount.id, UserAccount.name, UserAccount.email, UserAccount.role).where(
        UserAccount.removed_at.is_(None), _like(UserAccount.name, query) | _like(UserAccount.email, query)
    )
    rows, total = await _first(session, statement, (func.lower(UserAccount.name), UserAccount.id), need)
    found = [Found("person", f"user:{r.id}", r.name, f"Account ({r.role})", None, r.email) for r in rows]
    return found, total
