"""Editing a project on a page (issue 15): `GET /projects/{id}/edit` shows the form, `POST` sends it
through api.projects.updates.edit_project, the service `PATCH /api/v1/projects/{id}` calls, so the
workflow's validator decides alike (staff only; partners only before the display stage). Accepted: 303
back to the project page, where the timeline shows the `project_edited` event and who did it. Refused:
the form again, with the refusal's status and reason beside the field, and what was typed kept.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access, require_staff
from api.app_services import services_of
from api.callers import Caller
from api.errors import ApiError
from api.pages.form_body import form_body
from api.pages.session import Flash
from api.pages.web import (
    FormError,
    Viewer,
    as_api_error,
    checked_form,
    not_found_page,
    redirect,
    render,
    text,
    texts,
    unavailable_page,
)
from api.projects import updates
from api.projects.edit_schemas import ProjectEditRequest
from api.projects.outcome_forms import flat, input_names, levels_in_form, outcomes_of
from api.projects.outcomes import check_project_keys
from api.projects.page_view import load_state
from domain.lifecycle import TERMINAL_STAGES
from domain.project_edits import PARTNERS_EDITABLE_IN, PLACEMENT_KIND
from domain.state import ProjectState
from store.partners import reads as partner_reads

router = APIRouter(include_in_schema=False)

StaffActDep = Annotated[Viewer, page_access("project_staff")]
#: Partners offered as checkboxes: more than this many organisations would want a search instead.
PARTNERS_OFFERED = 500


async def _form(
    request: Request,
    viewer: Viewer,
    state: ProjectState,
    *,
    values: dict[str, Any] | None = None,
    error: FormError | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    async with services_of(request).sessionmaker() as session:
        rows, _ = await partner_reads.list_partners(session, only_id=None, limit=PARTNERS_OFFERED, offset=0)
    shown = values or {
        "title": state.title,
        "summary": state.summary,
        "lead_name": state.lead.name,
        "lead_email": state.lead.email,
        "partner_ids": list(state.partner_ids),
        **flat("intended_outcomes", state.intended_outcomes),
    }
    services = services_of(request)
    return render(
        request,
        "project_edit.html",
        viewer,
        status_code=status_code,
        state=state,
        values=shown,
        error=error,
        partner_pairs=sorted(((p.id, p.name) for p in rows), key=lambda pair: pair[1].casefold()),
        partners_editable=state.stage in PARTNERS_EDITABLE_IN and state.kind != PLACEMENT_KIND,
        outcomes=outcomes_of(services, services.catalog.get(state.template_name, state.template_version)),
        nonce=secrets.token_urlsafe(12),  # the update id: a double submit is applied once
    )


@router.get("/projects/{project_id}/edit")
async def edit_project_form(request: Request, viewer: StaffActDep, project_id: str) -> Response:
    """The form, filled with the project's title, summary, lead and partners."""
    try:
        state = await load_state(request, viewer, project_id)
    except ApiError as error:  # Temporal away
        return unavailable_page(request, viewer, error)
    if state is None:
        return not_found_page(request, viewer)
    require_staff(viewer.principal)  # a partner of the project gets "Staff only"
    if state.stage in TERMINAL_STAGES:
        return redirect(
            request, f"/projects/{project_id}", Flash("error", "This project has ended: it cannot be edited.")
        )
    return await _form(request, viewer, state)


@router.post("/projects/{project_id}/edit")
async def edit_project_page(request: Request, viewer: StaffActDep, project_id: str) -> Response:
    """Send the changes (only what differs from the project is recorded on its timeline)."""
    form = await checked_form(request, viewer)
    try:
        state = await load_state(request, viewer, project_id)
    except ApiError as error:
        return unavailable_page(request, viewer, error)
    if state is None:
        return not_found_page(request, viewer)
    require_staff(viewer.principal)
    values: dict[str, Any] = {name: text(form, name) for name in ("title", "summary", "lead_name", "lead_email")} | {
        "partner_ids": texts(form, "partner_ids")
    }
    raw: dict[str, Any] = {
        "title": values["title"],
        "summary": values["summary"],
        "lead": {"name": values["lead_name"], "email": values["lead_email"]},
    }
    if text(form, "partners_shown") == "yes":  # the checkboxes were on the form: none ticked means none
        raw["partner_ids"] = values["partner_ids"]
    aims = levels_in_form(form, "intended_outcomes")
    values |= flat("intended_outcomes", aims)
    if text(form, "outcomes_shown") == "yes":  # issue 16: the aims' selects were on the form, all as sent
        raw["intended_outcomes"] = aims
    # `lead.email` is reported as the input `lead_email`; a level as its select `intended_outcomes.<key>`
    body = form_body(ProjectEditRequest, raw, input_names("intended_outcomes", aims))
    if isinstance(body, FormError):
        return await _form(
            request, viewer, state, values=values, error=body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    nonce = text(form, "nonce")
    caller = Caller(services_of(request).client, viewer.principal, f"page:{nonce}:edit_project" if nonce else None)
    try:
        with as_api_error(viewer.principal):
            await check_project_keys(
                services_of(request), project_id, body.intended_outcomes or {}, "intended_outcomes"
            )
            await updates.edit_project(caller, services_of(request).sessionmaker, project_id, body)
    except ApiError as refused:
        if refused.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        return await _form(
            request, viewer, state, values=values, error=FormError.of(refused), status_code=refused.status_code
        )
    return redirect(request, f"/projects/{project_id}", Flash("success", "Project saved."))
