"""A project's survey respondents: add one, import a CSV with a per-row report, list them.

Staff only; a partner key gets 404 (respondents' names and addresses are never shown to partners).
No response ever carries a survey link or token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status

from api.access import access
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, ServicesDep, SessionDep
from api.errors import error_responses
from api.follow_up import respondents as service
from api.follow_up.schemas import RespondentCreate, RespondentImport, RespondentPublic
from api.read_audit import record_read
from api.schemas import Page
from store.surveys import reads as survey_reads

router = APIRouter(prefix="/api/v1/projects/{project_id}/respondents", tags=["respondents"])

_CSV_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV (UTF-8) with the header name,email,language,role; "
                            f"at most {service.MAX_UPLOAD_BYTES // (1024 * 1024)} MB and "
                            f"{service.MAX_UPLOAD_ROWS} rows.",
                        }
                    },
                }
            }
        },
    }
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 404, 409, 422, 503))
async def add_respondent(
    project_id: str,
    body: RespondentCreate,
    principal: Annotated[Principal, access("survey_staff")],
    session: SessionDep,
    services: ServicesDep,
) -> RespondentPublic:
    """Add someone to ask the project's follow-up surveys."""
    found = await service.project_survey(services, session, project_id)
    added = await service.add_one(
        session, found, name=body.name, email=body.email, language=body.language, role=body.role, by=principal
    )
    return RespondentPublic.model_validate(added)


@router.post("/import", responses=error_responses(401, 404, 409, 413, 422, 503), openapi_extra=_CSV_UPLOAD)
async def import_respondents(
    project_id: str,
    request: Request,
    principal: Annotated[Principal, access("survey_staff")],
    session: SessionDep,
    services: ServicesDep,
) -> RespondentImport:
    """Add respondents from a CSV upload; report each row as added or refused, with the reason."""
    found = await service.project_survey(services, session, project_id)
    data = await _read_upload(request)
    return await service.import_csv(session, found, data, by=principal)


@router.get("", responses=error_responses(401, 404, 422))
async def list_respondents(
    project_id: str,
    principal: Annotated[Principal, access("survey_staff")],
    session: SessionDep,
    services: ServicesDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[RespondentPublic]:
    """The project's respondents, oldest first (never their survey links). Each read is audited."""
    await service.project_survey(services, session, project_id)
    await record_read(session, principal, "respondents_read", project_id)
    everyone = await survey_reads.list_respondents(session, project_id)
    items = [RespondentPublic.model_validate(r) for r in everyone[offset : offset + limit]]
    return Page(items=items, total=len(everyone), limit=limit, offset=offset)


async def _read_upload(request: Request) -> bytes:
    """The bytes of the multipart field `file` (api.follow_up.respondents: the page reads it the same way)."""
    form = await service.upload_form(request)
    try:
        return await service.uploaded_csv(form)
    finally:
        await form.close()
