"""Workshop sessions of a project: staff schedule them, record attendance afterwards, or cancel one
that will not take place (the workshops stage waits for every session otherwise; issue 12)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.access import access
from api.auth import Principal
from api.callers import Caller
from api.deps import IdempotencyKeyDep, TemporalDep
from api.errors import error_responses
from api.local_time import ProjectZoneDep
from api.projects import updates
from api.projects.input_schemas import AttendanceCreate, WorkshopCancel, WorkshopCreate
from api.projects.schemas import WorkshopPublic
from api.projects.views import workshop_public

router = APIRouter(prefix="/api/v1/projects/{project_id}/workshops", tags=["workshops"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409, 422, 503))
async def schedule_workshop(
    project_id: str,
    body: WorkshopCreate,
    principal: Annotated[Principal, access("staff")],
    zone: ProjectZoneDep,  # 👉 times sent without an offset are read in the project's zone
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> WorkshopPublic:
    """Schedule a session (during partnership or workshops)."""
    workshop = await updates.schedule_workshop(Caller(client, principal, idempotency_key), project_id, body)
    return workshop_public(workshop)


@router.post("/{workshop_id}/attendance", responses=error_responses(401, 403, 404, 409, 422, 503))
async def record_attendance(
    project_id: str,
    workshop_id: Annotated[str, Path(min_length=1, max_length=32)],
    body: AttendanceCreate,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> WorkshopPublic:
    """Record how many came to a session that has started, and their feedback."""
    workshop = await updates.record_attendance(
        Caller(client, principal, idempotency_key), project_id, workshop_id, body
    )
    return workshop_public(workshop)


@router.post("/{workshop_id}/cancel", responses=error_responses(401, 403, 404, 409, 422, 503))
async def cancel_workshop(
    project_id: str,
    workshop_id: Annotated[str, Path(min_length=1, max_length=32)],
    body: WorkshopCancel,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> WorkshopPublic:
    """Cancel a session that will not take place (not one whose attendance is recorded)."""
    workshop = await updates.cancel_workshop(Caller(client, principal, idempotency_key), project_id, workshop_id, body)
    return workshop_public(workshop)
