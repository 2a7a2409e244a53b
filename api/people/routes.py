"""The rights of access and erasure over JSON: export for staff, erase for admins (issue 14)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from api.access import access
from api.auth import Principal
from api.deps import SessionDep, TemporalDep
from api.errors import error_responses
from api.people import service
from api.people.schemas import EMAIL_DESCRIPTION, ErasureDone, ErasureRequest, PersonExport
from api.schemas import EMAIL_PATTERN

router = APIRouter(prefix="/api/v1/people", tags=["people"])

#: Trimmed before it is checked, as the erase body's address is (a pasted address often ends in a space).
EmailQuery = Annotated[
    str,
    BeforeValidator(lambda value: value.strip() if isinstance(value, str) else value),
    Query(min_length=3, max_length=320, pattern=EMAIL_PATTERN, description=EMAIL_DESCRIPTION),
]


@router.get("/export", responses=error_responses(401, 403, 422))
async def export_person(
    email: EmailQuery, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> PersonExport:
    """Everything Engage holds about one e-mail address, each record with where it came from."""
    return await service.export_person(session, email, by=principal)


@router.post("/erase", responses=error_responses(401, 403, 413, 422, 503))
async def erase_person(
    body: ErasureRequest, principal: Annotated[Principal, access("admin")], session: SessionDep, client: TemporalDep
) -> ErasureDone:
    """Erase a person's contact details and free text everywhere and suppress their address; idempotent."""
    return await service.erase(session, client, body, by=principal)
