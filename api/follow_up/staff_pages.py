"""A project's follow-up page for staff: respondents (add one, import a CSV), waves, schedule, outcomes.

Each form parses into the JSON route's request schema and calls the same service function
(api.follow_up.respondents `add_one` / `import_csv`, api.follow_up.service `set_schedule` /
`export_responses`), so a page and the API refuse alike. Accepted: 303 back to the follow-up page
with a message (an import: the page itself, with its row-by-row report). Refused: the page again,
with the status of the refusal, the field and reason beside the form, and what was typed kept.
Partners never see respondents or answers: any partner gets the 404 page (rule `survey_staff`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError
from api.follow_up import respondents, service
from api.follow_up.page_view import follow_up_page
from api.follow_up.schemas import FollowUpScheduleUpdate, RespondentCreate
from api.pages.form_body import form_body
from api.pages.page_times import parse_local
from api.pages.session import Flash
from api.pages.web import (
    FormError,
    Viewer,
    as_api_error,
    checked_form,
    not_found_page,
    redirect,
    text,
    unavailable_page,
)

router = APIRouter(include_in_schema=False)

StaffDep = Annotated[Viewer, page_access("survey_staff")]
#: A form's work, given a session and the project's survey: what to say once done.
Perform = Callable[[AsyncSession, respondents.ProjectSurvey], Awaitable[str]]


class _FormRefused(Exception):
    """Input the form cannot send as it stands: the page again, with this beside the form."""

    def __init__(self, error: FormError) -> None:
        super().__init__(error.message)
        self.error = error


def _here(project_id: str) -> str:
    return f"/projects/{project_id}/follow-up"


async def _refused(
    request: Request,
    viewer: Viewer,
    project_id: str,
    form_id: str,
    error: FormError | ApiError,
    typed: dict[str, str],
    *,
    status_code: int = status.HTTP_422_UNPROCESSABLE_CONTENT,
) -> Response:
    if isinstance(error, ApiError):
        if error.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        status_code = error.status_code
        error = FormError.of(error)
    return await follow_up_page(
        request, viewer, project_id, errors={form_id: error}, values={form_id: typed}, status_code=status_code
    )


async def _perform(request: Request, viewer: Viewer, project_id: str, perform: Perform) -> str:
    """Find the project's survey (404 if unknown) and do the form's work, failures as the API's errors."""
    services = services_of(request)
    async with services.sessionmaker() as session:
        with as_api_error(viewer.principal):
            found = await respondents.project_survey(services, session, project_id)
            return await perform(session, found)


@router.get("/projects/{project_id}/follow-up")
async def read_follow_up_page(request: Request, viewer: StaffDep, project_id: str) -> Response:
    """Waves, respondents and outcome charts, with the forms that change them."""
    return await follow_up_page(request, viewer, project_id)


@router.post("/projects/{project_id}/follow-up/respondents")
async def add_respondent_page(request: Request, viewer: StaffDep, project_id: str) -> Response:
    """Add one respondent (`POST /api/v1/projects/{id}/respondents`)."""
    form = await checked_form(request, viewer)
    typed = {name: text(form, name) for name in ("name", "email", "role", "language")}
    body = form_body(RespondentCreate, {**typed, "language": typed["language"] or "en"})
    if isinstance(body, FormError):
        return await _refused(request, viewer, project_id, "add_respondent", body, typed)

    async def perform(session: AsyncSession, found: respondents.ProjectSurvey) -> str:
        await respondents.add_one(
            session,
            found,
            name=body.name,
            email=body.email,
            language=body.language,
            role=body.role,
            by=viewer.principal,
        )
        return "Respondent added: they are asked at every wave still to come."

    try:
        message = await _perform(request, viewer, project_id, perform)
    except ApiError as error:
        return await _refused(request, viewer, project_id, "add_respondent", error, typed)
    return redirect(request, _here(project_id), Flash("success", message))


@router.post("/projects/{project_id}/follow-up/respondents/import")
async def import_respondents_page(request: Request, viewer: StaffDep, project_id: str) -> Response:
    """Import respondents from a CSV file (`POST .../respondents/import`), then show what became of each row."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:
            await respondents.upload_form(request)  # parsed once, with the upload's limits; nothing done yet
        except ApiError as error:
            return await _refused(request, viewer, project_id, "import", error, {})
    form = await checked_form(request, viewer)  # the same form (Starlette keeps it), checked for its token
    report = None
    try:
        data = await respondents.uploaded_csv(form)

        async def perform(session: AsyncSession, found: respondents.ProjectSurvey) -> str:
            nonlocal report
            report = await respondents.import_csv(session, found, data, by=viewer.principal)
            return ""

        await _perform(request, viewer, project_id, perform)
    except ApiError as error:
        return await _refused(request, viewer, project_id, "import", error, {})
    finally:
        await form.close()
    return await follow_up_page(request, viewer, project_id, report=report)


def _schedule_values(form_offsets: str, anchor: str, tz: str) -> dict[str, object] | FormError:
    values: dict[str, object] = {}
    if form_offsets:
        values["offsets"] = [o.strip().upper() for o in form_offsets.replace(",", "\n").split() if o.strip()]
    if anchor:
        moment = parse_local(anchor, tz)
        if isinstance(moment, str):
            return FormError(f"The project's end date: {moment}", {"anchor_at": moment})
        values["anchor_at"] = moment
    return values


@router.post("/projects/{project_id}/follow-up/schedule")
async def set_schedule_page(request: Request, viewer: StaffDep, project_id: str) -> Response:
    """Move the waves not yet sent (`PUT /api/v1/projects/{id}/follow-up/schedule`)."""
    form = await checked_form(request, viewer)
    typed = {"offsets": text(form, "offsets"), "anchor_at": text(form, "anchor_at")}
    nonce = text(form, "nonce")

    async def perform(session: AsyncSession, found: respondents.ProjectSurvey) -> str:
        values = _schedule_values(typed["offsets"], typed["anchor_at"], found.project.timezone)
        body = values if isinstance(values, FormError) else form_body(FollowUpScheduleUpdate, values)
        if isinstance(body, FormError):
            raise _FormRefused(body)
        key = f"page:{nonce}:schedule" if nonce else None
        await service.set_schedule(services_of(request).client, session, project_id, body, viewer.principal, key)
        return "Schedule saved: the waves not yet sent go out at the new times."

    try:
        message = await _perform(request, viewer, project_id, perform)
    except _FormRefused as refused:
        return await _refused(request, viewer, project_id, "schedule", refused.error, typed)
    except ApiError as error:
        return await _refused(request, viewer, project_id, "schedule", error, typed)
    return redirect(request, _here(project_id), Flash("success", message))


@router.get("/projects/{project_id}/follow-up/responses.csv")
async def export_responses_page(request: Request, viewer: StaffDep, project_id: str) -> Response:
    """The answers as CSV (`GET /api/v1/projects/{id}/responses.csv`), for a signed-in member of staff."""
    exported: tuple[str, str] | None = None

    async def perform(session: AsyncSession, found: respondents.ProjectSurvey) -> str:
        nonlocal exported
        instruments = services_of(request).instruments
        exported = await service.export_responses(session, viewer.principal, project_id, found.instrument, instruments)
        return ""

    try:
        await _perform(request, viewer, project_id, perform)
    except ApiError as error:
        if error.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        return unavailable_page(request, viewer, error)
    assert exported is not None
    body, filename = exported
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
