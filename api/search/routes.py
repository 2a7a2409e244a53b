"""`GET /api/v1/search?q=`: projects, partners and (staff) people matching a few typed characters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access import access
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep
from api.errors import error_responses
from api.schemas import Page
from api.search import service
from api.search.schemas import MAX_QUERY, SearchHit

router = APIRouter(prefix="/api/v1/search", tags=["search"])


@router.get("", responses=error_responses(401, 422))
async def search(
    principal: Annotated[Principal, access("signed_in")],
    session: SessionDep,
    q: Annotated[str, Query(max_length=MAX_QUERY, description="At least 2 characters; any case.")],
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[SearchHit]:
    """Projects by title, partners by name and, for staff, people (project leads, partner contacts,
    respondents, accounts) by name or e-mail; a partner finds only its own projects and organisation.
    Projects come first, then partners, then people, each in name order. A staff search is audited
    (`searched`), without what was typed."""
    return await service.search(session, principal, q, limit=limit, offset=offset)
