"""The dashboard (`/projects`: list, filters, "New project") and the project page.

The list reads the read model (`store.projects.reads.list_projects`, as `GET /api/v1/projects` does); a
partner sees only its own projects whatever the filters say. "New project" takes the same code
path as `POST /api/v1/projects` (`api.services.projects.start_project`), with a per-form
Idempotency-Key so a double click starts one project.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access, partner_scope
from api.app_services import services_of
from api.errors import ApiError
from api.pages.form_body import form_body
from api.pages.session import Flash
from api.pages.web import (
    FormError,
    Viewer,
    as_api_error,
    checked_form,
    redirect,
    render,
    text,
    texts,
)
from api.projects.outcome_forms import flat, input_names, levels_in_form, outcomes_of_new_projects
from api.projects.page_view import project_page
from api.projects.schemas import ProjectCreate
from api.projects.service import start_project
from api.projects.views import catalog_stage_title, stage_title
from domain.lifecycle import STAGE_ORDER, TERMINAL_STAGES
from domain.templates import TemplateCatalog
from store.partners import reads as partner_reads
from store.projects import reads as project_reads
from store.projects.reads import ProjectFilter

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
#: The partners offered in the form's list (newest first). Beyond this, use the JSON API.
PARTNER_CHOICES = 500
STAGES = [*STAGE_ORDER, *sorted(TERMINAL_STAGES)]
TIMEZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "UTC", "America/New_York", "Australia/Sydney"]
CREATE_FIELDS = ("template", "title", "summary", "lead_name", "lead_email", "timezone")


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or "1"), 40_000))
    except ValueError:
        return 1


async def _dashboard(
    request: Request,
    viewer: Viewer,
    *,
    error: FormError | None = None,
    values: dict[str, object] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    catalog: TemplateCatalog = services_of(request).catalog
    params = request.query_params
    stage = params.get("stage", "")
    template = params.get("template", "")
    partner = params.get("partner", "")
    overdue = params.get("overdue", "")
    page = _page_number(params.get("page"))
    scope = partner_scope(viewer.principal)
    filters = ProjectFilter(
        stage=stage if stage in {s.value for s in STAGES} else None,
        template=template if template in catalog.names() else None,
        partner_id=(partner[:32] or None) if scope is None else scope,
        overdue={"yes": True, "no": False}.get(overdue),
    )
    async with services_of(request).sessionmaker() as session:
        listings, total = await project_reads.list_projects(
            session, filters, now=datetime.now(UTC), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        if scope is None:
            partner_rows, _ = await partner_reads.list_partners(session, only_id=None, limit=PARTNER_CHOICES, offset=0)
        else:
            partner_rows, _ = await partner_reads.list_partners(
                session, only_id=viewer.principal.partner_id, limit=1, offset=0
            )
    kept = {
        k: v for k, v in {"stage": stage, "template": template, "partner": partner, "overdue": overdue}.items() if v
    }
    pages = max(1, -(-total // PAGE_SIZE))

    def page_link(number: int) -> str:
        return "/projects?" + urlencode({**kept, "page": number})

    return render(
        request,
        "projects.html",
        viewer,
        status_code=status_code,
        listings=listings,
        stage_titles={
            item.project.id: catalog_stage_title(
                catalog, item.project.template_name, item.project.template_version, item.project.stage
            )
            for item in listings
        },
        total=total,
        page=page,
        pages=pages,
        prev_link=page_link(page - 1) if page > 1 else None,
        next_link=page_link(page + 1) if page < pages else None,
        filters={"stage": stage, "template": template, "partner": partner, "overdue": overdue},
        filtered=bool(kept),
        stage_pairs=[(s.value, s.value.replace("_", " ").capitalize()) for s in STAGES],
        template_pairs=[(t.name, t.title) for t in catalog.all_latest()],
        template_titles={t.name: t.title for t in catalog.all_latest()},
        partner_pairs=[(p.id, p.name) for p in partner_rows],
        partner_names={p.id: p.name for p in partner_rows},
        timezone_pairs=[(tz, tz.replace("_", " ")) for tz in TIMEZONES],
        outcomes=outcomes_of_new_projects(services_of(request)),
        error=error,
        values=values or {"timezone": "Europe/London", "partner_ids": []},
        nonce=secrets.token_urlsafe(12),
    )


@router.get("/projects")
async def list_projects_page(request: Request, viewer: Annotated[Viewer, page_access("signed_in")]) -> Response:
    """The dashboard: projects with filters and pages; staff also get the "New project" form."""
    return await _dashboard(request, viewer)


@router.post("/projects")
async def create_project_page(request: Request, viewer: Annotated[Viewer, page_access("staff")]) -> Response:
    """Start a project from the dashboard form, then open its page."""
    form = await checked_form(request, viewer)
    values: dict[str, object] = {name: text(form, name) for name in CREATE_FIELDS}
    values["partner_ids"] = texts(form, "partner_ids")
    aims = levels_in_form(form, "intended_outcomes")  # issue 16: "What the project aims to change"
    values |= flat("intended_outcomes", aims)
    body = form_body(
        ProjectCreate,
        {
            "template": values["template"],
            "title": values["title"],
            "summary": values["summary"],
            "lead": {"name": values["lead_name"], "email": values["lead_email"]},
            "partner_ids": values["partner_ids"],
            "timezone": values["timezone"] or "Europe/London",
            "intended_outcomes": aims,
        },
        input_names("intended_outcomes", aims),
    )
    if isinstance(body, FormError):
        return await _dashboard(
            request, viewer, error=body, values=values, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    nonce = text(form, "nonce")
    try:
        with as_api_error(viewer.principal):
            started = await start_project(
                body,
                viewer.principal,
                services_of(request),
                idempotency_key=f"page:{nonce}" if nonce else None,
            )
    except ApiError as err:
        return await _dashboard(request, viewer, error=FormError.of(err), values=values, status_code=err.status_code)
    return redirect(
        request,
        f"/projects/{started.state.project_id}",
        Flash(
            "success",
            f"Project “{started.state.title}” started at the {stage_title(started.template, started.state.stage)} "
            "stage.",
        ),
    )


@router.get("/projects/{project_id}")
async def read_project_page(
    request: Request, viewer: Annotated[Viewer, page_access("project_party")], project_id: str
) -> Response:
    """One project: stages, milestones, submissions, workshops, display, timeline, and its forms."""
    return await project_page(request, viewer, project_id)
