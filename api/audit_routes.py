"""The audit trail for admins: `GET /api/v1/audit`, who did what to which id, and when (issue 14).

Lists `audit_entry` (store.audit): the actions no workflow records (partners, keys, respondents,
signing in and out, the yearly schedule, reads of personal data). Project and programme actions are
on their own timelines (`GET /api/v1/projects/{id}/events`, the programme's events) with their actor.
Admins only: the trail says who looked at whose data, which is itself for the few.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.access import access
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep
from api.errors import error_responses
from api.schemas import Moment, Page
from store import audit as store_audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntryPublic(BaseModel):
    """One entry: never personal data, only ids, the acting key's id and label, and the time."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_key_id: str = Field(description="The acting key's id (`env-admin` for the bootstrap admin key).")
    actor_label: str = Field(description="The acting key's label, as its issuer named it.")
    action: str = Field(description=f"One of: {', '.join(store_audit.ACTIONS)}.")
    target_id: str = Field(description="What was acted on: a partner, key, respondent or project id, or a year.")
    detail: dict[str, Any] | None = Field(
        default=None, description="What the action says beyond its target (an erasure's reason and counts)."
    )


@router.get("", responses=error_responses(401, 403, 422))
async def list_audit_entries(
    principal: Annotated[Principal, access("admin")],
    session: SessionDep,
    target_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Only entries about this id (or year).")
    ] = None,
    action: Annotated[
        str | None, Query(min_length=1, max_length=32, pattern=r"^[a-z_]+$", description="Only this action.")
    ] = None,
    since: Annotated[Moment | None, Query(description="Only entries at or after this time (with its offset).")] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[AuditEntryPublic]:
    """The audit trail, newest first, optionally for one target, one action, or from a time on."""
    filters = store_audit.AuditFilter(target_id=target_id, action=action, since=since)
    rows, total = await store_audit.list_entries(session, filters, limit=limit, offset=offset)
    items = [AuditEntryPublic.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)
