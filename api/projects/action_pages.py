"""The project page's forms: each posts here and takes the JSON API's path to the workflow.

Each handler parses its form into the same request schema as its JSON route and calls the same
service function (api.projects.updates), so the workflow gets the same input under the same update
id scheme and its validator decides. Accepted: 303 back to the project with a message. Refused: the project page
again, with the status of the refusal (403/409/422), the field and reason beside the form, and
what was typed kept. A partner acting on a project it is not part of gets the 404 page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from api.access import page_access, require_staff
from api.app_services import services_of
from api.callers import Caller
from api.errors import ApiError
from api.files.submission_body import uploads_of
from api.files.uploads import submit_with_files
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
)
from api.projects import updates
from api.projects.input_schemas import (
    AttendanceCreate,
    DisplayUpdate,
    ReviewCreate,
    StaffActionCreate,
    SubmissionCreate,
    WorkshopCancel,
    WorkshopCreate,
)
from api.projects.outcome_forms import input_names, levels_in_form
from api.projects.outcomes import check_project_keys
from api.projects.page_view import load_state, project_page
from api.projects.updates import Decision
from domain.state import ProjectState

router = APIRouter(include_in_schema=False)

M = TypeVar("M", bound=BaseModel)

PartyDep = Annotated[Viewer, page_access("project_party")]
StaffActDep = Annotated[Viewer, page_access("project_staff")]

#: Whole-project decisions (api.projects.updates.DECISIONS), and what the page says once one is done.
DECISION_DONE: dict[Decision, str] = {
    "pause": "Project paused: no reminders or due dates run until it resumes.",
    "resume": "Project resumed.",
    "withdraw": "Project withdrawn.",
    "close": "Project closed.",
}

#: What cannot be undone, and how its confirmation box reads when it was left unticked.
IRREVERSIBLE: dict[str, str] = {
    "decline": "tick the box to confirm: declining ends the project for good",
    "withdraw": "tick the box to confirm: withdrawing the project cannot be undone",
    "close": "tick the box to confirm: closing the project cannot be undone",
}

#: A form's work: given the project, the form and the viewer as caller, send it; say what was done.
Perform = Callable[[ProjectState, FormData, Caller], Awaitable[str]]


class _Refused(Exception):
    """Input a form cannot send as it stands (unreadable dates, say): re-render with this."""

    def __init__(self, error: FormError) -> None:
        super().__init__(error.message)
        self.error = error


def _validated(model: type[M], data: dict[str, Any], rename: dict[str, str] | None = None) -> M:
    body = form_body(model, data, rename)
    if isinstance(body, FormError):
        raise _Refused(body)
    return body


def _confirmed(form: FormData, action: str) -> None:
    """An irreversible action goes ahead only with its form's `confirm` box ticked: checked here, on the
    server, so no browser (nor a script turned off, nor a hand-made post) can skip the confirmation."""
    if action in IRREVERSIBLE and text(form, "confirm") != "yes":
        reason = IRREVERSIBLE[action]
        raise _Refused(FormError(f"Confirm: {reason}.", {"confirm": reason}))


def _moments(form: FormData, tz: str, *names: str) -> dict[str, datetime]:
    """The form's `datetime-local` inputs read in the project's zone, or every one that is wrong."""
    read = {name: parse_local(text(form, name), tz) for name in names}
    wrong = {name: value for name, value in read.items() if isinstance(value, str)}
    if wrong:
        described = "; ".join(f"{name.replace('_', ' ')}: {reason}" for name, reason in wrong.items())
        raise _Refused(FormError(f"Please correct: {described}", wrong))
    return {name: value for name, value in read.items() if isinstance(value, datetime)}


async def _act(
    request: Request, viewer: Viewer, project_id: str, form_id: str, perform: Perform, *, staff_only: bool = False
) -> Response:
    """Check the form's token, load the project (404 unless visible), perform, answer."""
    form = await checked_form(request, viewer)
    try:
        state = await load_state(request, viewer, project_id)
        if state is None:
            return not_found_page(request, viewer)
        if staff_only:
            require_staff(viewer.principal)  # shown on the project page: this partner takes part in it
        nonce = text(form, "nonce")
        # 👉 The form's nonce is its Idempotency-Key: a double submit reuses the update id, applied once.
        caller = Caller(services_of(request).client, viewer.principal, f"page:{nonce}:{form_id}" if nonce else None)
        with as_api_error(viewer.principal):
            message = await perform(state, form, caller)
    except _Refused as refused:
        error = refused.error
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
    except ApiError as api_error:
        if api_error.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        error, code = FormError.of(api_error), api_error.status_code
    else:
        return redirect(request, f"/projects/{project_id}", Flash("success", message))
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf", "nonce")}
    return await project_page(
        request, viewer, project_id, errors={form_id: error}, values={form_id: typed}, status_code=code
    )


@router.post("/projects/{project_id}/milestones/{milestone_key}/submit")
async def submit_milestone_page(request: Request, viewer: PartyDep, project_id: str, milestone_key: str) -> Response:
    """Submit evidence for a milestone (summary, links one per line, and files: issue 15)."""
    form_id = f"submit-{milestone_key}"

    async def perform(state: ProjectState, form: FormData, caller: Caller) -> str:
        ratings = levels_in_form(form, "outcome_ratings")  # issue 16: a reflection's levels, if its form asks
        fields = {"summary": text(form, "summary"), "links": text(form, "links").split(), "outcome_ratings": ratings}
        body = _validated(SubmissionCreate, fields, input_names("outcome_ratings", ratings))
        services = services_of(request)
        await check_project_keys(services, project_id, body.outcome_ratings, "outcome_ratings")
        # 👉 The JSON route's service: files are kept only once the workflow has accepted the submission.
        milestone = await submit_with_files(
            caller, services.sessionmaker, services.settings, project_id, milestone_key, body, uploads_of(form)
        )
        return f"Submitted “{milestone.title}”."

    return await _act(request, viewer, project_id, form_id, perform)


@router.post("/projects/{project_id}/milestones/{milestone_key}/review")
async def review_milestone_page(request: Request, viewer: StaffActDep, project_id: str, milestone_key: str) -> Response:
    """Accept, return (with a note) or decline the latest submission; declining needs the confirmation box."""
    form_id = f"review-{milestone_key}"

    async def perform(state: ProjectState, form: FormData, caller: Caller) -> str:
        body = _validated(ReviewCreate, {"decision": text(form, "decision"), "note": text(form, "note")})
        _confirmed(form, body.decision.value)
        milestone = await updates.review_milestone(caller, project_id, milestone_key, body)
        done = {"accept": "accepted", "return": "returned to the partner", "decline": "declined"}
        return f"“{milestone.title}” {done[body.decision.value]}."

    return await _act(request, viewer, project_id, form_id, perform, staff_only=True)


@router.post("/projects/{project_id}/workshops")
async def schedule_workshop_page(request: Request, viewer: StaffActDep, project_id: str) -> Response:
    """Schedule a workshop session (times in the project's time zone)."""
    form_id = "schedule_workshop"

    async def perform(state: ProjectState, form: FormData, caller: Caller) -> str:
        moments = _moments(form, state.timezone, "starts_at", "ends_at")
        body = _validated(WorkshopCreate, {"title": text(form, "title"), "place": text(form, "place"), **moments})
        workshop = await updates.schedule_workshop(caller, project_id, body)
        return f"Workshop “{workshop.title}” scheduled."

    return await _act(request, viewer, project_id, form_id, perform, staff_only=True)


@router.post("/projects/{project_id}/workshops/{workshop_id}/attendance")
async def record_attendance_page(request: Request, viewer: StaffActDep, project_id: str, workshop_id: str) -> Response:
    """Record how many came to a session, and their feedback."""
    form_id = f"attendance-{workshop_id}"

    async def perform(state: ProjectState, form: FormData, caller: Caller) -> str:
        body = _validated(
            AttendanceCreate, {"attendance": text(form, "attendance") or None, "feedback": text(form, "feedback")}
        )
        workshop = await updates.record_attendance(caller, project_id, workshop_id, body)
        return f"Attendance recorded for “{workshop.title}”."

    return await _act(request, viewer, project_id, form_id, perform, staff_only=True)


@router.post("/projects/{project_id}/workshops/{workshop_id}/cancel")
async def cancel_workshop_page(request: Request, viewer: StaffActDep, project_id: str, workshop_id: str) -> Response:
    """Cancel a session that will not take place, so the workshops stage need not wait for it."""
    form_id = f"cancel-{workshop_id}"

    async def perform(state: ProjectState, form: FormData, caller: Caller) -> str:
        body = _validated(WorkshopCancel, {"reason": text(form, "reason")})
        workshop = await updates.cancel_workshop(caller, project_id, workshop_id, body)
        return f"Workshop “{workshop.title}” cancelled."

    return await _act(request, viewer, project_id, form_id, perform, staff_only=True)


@router.post("/projects/{project_id}/display")
async def set_display_page(request: Request, viewer: StaffActDep, project_id: str) -> Response:
    """Set or move the display's title, place and dates."""
    form_id = "set_display"

    async def perform(state: ProjectState, form: FormData, caller: Caller) -> str:
        moments = _moments(form, state.timezone, "opens_at", "closes_at")
        body = _validated(DisplayUpdate, {"title": text(form, "title"), "location": text(form, "location"), **moments})
        await updates.set_display(caller, project_id, body)
        return "Display saved."

    return await _act(request, viewer, project_id, form_id, perform, staff_only=True)


@router.post("/projects/{project_id}/decisions/{decision}")
async def decide_project_page(request: Request, viewer: StaffActDep, project_id: str, decision: str) -> Response:
    """Pause, resume, withdraw (a reason is required) or close the project; withdraw and close need the
    form's confirmation box ticked."""
    known = next((d for d in DECISION_DONE if d == decision), None)
    if known is None:
        return not_found_page(request, viewer)
    done = DECISION_DONE[known]

    async def perform(state: ProjectState, form: FormData, caller: Caller) -> str:
        body = _validated(StaffActionCreate, {"reason": text(form, "reason")})
        _confirmed(form, known)
        await updates.decide(caller, project_id, known, body)
        return done

    return await _act(request, viewer, project_id, decision, perform, staff_only=True)
