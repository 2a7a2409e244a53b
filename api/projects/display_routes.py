"""A project's display: its title, place and dates. A closing date already past closes the stage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.access import access
from api.auth import Principal
from api.callers import Caller
from api.deps import IdempotencyKeyDep, TemporalDep
from api.errors import error_responses
from api.local_time import ProjectZoneDep
from api.projects import updates
from api.projects.input_schemas import DisplayUpdate
from api.projects.schemas import DisplayPublic

router = APIRouter(prefix="/api/v1/projects/{project_id}/display", tags=["display"])


@router.put("", responses=error_responses(401, 403, 404, 409, 422, 503))
async def set_display(
    project_id: str,
    body: DisplayUpdate,
    principal: Annotated[Principal, access("staff")],
    zone: ProjectZoneDep,  # 👉 dates sent without an offset are read in the project's zone
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> DisplayPublic:
    """Set or move the display's dates; a later closing date counts as an extension."""
    display = await updates.set_display(Caller(client, principal, idempotency_key), project_id, body)
    return DisplayPublic.model_validate(display.model_dump())
