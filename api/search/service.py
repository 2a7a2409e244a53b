"""Searching, written once: called by `GET /api/v1/search` and by the `/search` page.

Projects and partners are searched for everyone signed in, a partner within its own (its projects, its
organisation); people only for staff and admins. A staff search reads personal data, so it is audited
(`searched`, target `people`, the detail the number of people found, never what was typed), committed
before anything is answered, as every read of personal data is (api.read_audit).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.access import partner_scope, sees_everything
from api.auth import Principal, audit_trail
from api.errors import invalid
from api.schemas import Page
from api.search.schemas import MAX_QUERY, MIN_QUERY, SearchHit
from store import search as store_search

TOO_SHORT = f"Type at least {MIN_QUERY} characters."


def cleaned(query: str) -> str:
    """The query trimmed, inner runs of spaces made one; a 422 on `q` when it is too short or long."""
    text = " ".join(query.split())
    if len(text) < MIN_QUERY:
        raise invalid("q", TOO_SHORT)
    if len(text) > MAX_QUERY:
        raise invalid("q", f"Type at most {MAX_QUERY} characters.")
    return text


async def search(
    session: AsyncSession, principal: Principal, query: str, *, limit: int, offset: int
) -> Page[SearchHit]:
    """One page of hits for `query`: projects, then partners, then (staff) people, each in name order."""
    text = cleaned(query)
    need = offset + limit
    scope = partner_scope(principal)
    found_projects = await store_search.projects(session, text, partner_id=scope, need=need)
    found_partners = await store_search.partners(session, text, only_id=scope, need=need)
    sources = [found_projects, found_partners]
    if sees_everything(principal):
        people = [
            await store_search.leads(session, text, need=need),
            await store_search.contacts(session, text, need=need),
            await store_search.respondents(session, text, need=need),
            await store_search.accounts(session, text, need=need),
        ]
        hits = sum(total for _, total in people)
        await audit_trail(session, principal, "searched", "people", datetime.now(UTC), detail={"people_found": hits})
        await session.commit()
        sources += people
    total = sum(total for _, total in sources)
    # Each source's first `need` rows laid end to end hold this page: a source contributes rows only once
    # every source before it has been taken whole.
    laid: list[store_search.Found] = []
    for found, source_total in sources:
        laid.extend(found)
        if len(found) < source_total:
            break  # it was cut at `need` rows, so the page ends within it
    page = laid[offset : offset + limit]
    items = [SearchHit(kind=h.kind, id=h.id, title=h.title, detail=h.detail, email=h.email, link=h.link) for h in page]
    return Page(items=items, total=total, limit=limit, offset=offset)
