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
from api.errors import UPLOAD_TOO_LARGE, ApiError, error_responses, invalid
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


def _too_large() -> ApiError:
    limit = f"{service.MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    return ApiError(
        status.HTTP_413_CONTENT_TOO_LARGE, UPLOAD_TOO_LARGE, field="file", reason=f"the file is larger than {limit}"
    )


async def _read_upload(request: Request) -> bytes:
    """The bytes of the multipart field `file`, refusing anything over the limit before parsing it."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise invalid("file", "upload the CSV as multipart/form-data, in a field named file")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > service.MAX_UPLOAD_BYTES + 64 * 1024:
        raise _too_large()
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # Starlette's multipart errors carry no stable type across versions
        raise invalid("file", "the upload could not be read as multipart/form-data") from exc
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise invalid("file", "attach the CSV file in a field named file")
        data = await upload.read(service.MAX_UPLOAD_BYTES + 1)
    finally:
        await form.close()
    if len(data) > service.MAX_UPLOAD_BYTES:
        raise _too_large()
    return data
