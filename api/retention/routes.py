"""The retention runs: what each daily run erased, and the cut-offs it used (staff only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.access import access
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep
from api.errors import error_responses
from api.retention.schemas import RetentionRunPublic
from api.schemas import Page
from store.retention import reads as retention_reads

router = APIRouter(prefix="/api/v1/retention", tags=["retention"])


@router.get("/runs", responses=error_responses(401, 403))
async def list_retention_runs(
    principal: Annotated[Principal, access("staff")],
    session: SessionDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[RetentionRunPublic]:
    """Retention runs, newest first: counts erased and the cut-offs used."""
    rows, total = await retention_reads.list_runs(session, limit=limit, offset=offset)
    items = [RetentionRunPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)
