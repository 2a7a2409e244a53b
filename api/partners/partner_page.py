"""The partner page (issue 15): one organisation, its contacts and its projects, for staff and for the
partner itself (`partner_self`, as `GET /api/v1/partners/{id}`); staff also get the form to change its
name and contact, which takes the JSON route's code path (api.partners.service.change_partner, as
`PATCH /api/v1/partners/{id}`), so both refuse alike.

Opening the page reads contacts' personal data: one `partners_read` audit entry naming the partner, as
the JSON detail does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access, sees_everything
from api.app_services import services_of
from api.errors import ApiError
from api.pages.form_body import form_body
from api.pages.session import Flash
from api.pages.web import FormError, Viewer, checked_form, not_found_page, redirect, render, text
from api.partners import service as partner_service
from api.partners.schemas import PartnerUpdate
from api.read_audit import record_read
from store.accounts import users as account_reads
from store.partners import reads as partner_reads
from store.projects import reads as project_reads
from store.projects.reads import ProjectFilter
from store.tables import Partner

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]
SelfViewer = Annotated[Viewer, page_access("partner_self")]
FIELDS = ("name", "contact_name", "contact_email")
#: Projects shown on the page; the projects list filtered by the partner has them all.
PROJECTS_SHOWN = 50


async def _page(
    request: Request,
    viewer: Viewer,
    partner: Partner,
    *,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    async with services_of(request).sessionmaker() as session:
        listings, total = await project_reads.list_projects(
            session, ProjectFilter(partner_id=partner.id), now=datetime.now(UTC), limit=PROJECTS_SHOWN, offset=0
        )
        accounts = await _accounts(session, partner.id)
    context: dict[str, Any] = {
        "partner": partner,
        "projects": [item.project for item in listings],
        "projects_total": total,
        "accounts": accounts,
        "error": error,
        "values": values or {name: getattr(partner, name) for name in FIELDS},
        "may_edit": sees_everything(viewer.principal),
    }
    return render(request, "partner.html", viewer, status_code=status_code, **context)


#: A partner organisation has a handful of people signing in; the page shows at most this many.
ACCOUNTS_SHOWN = 200


async def _accounts(session: Any, partner_id: str) -> list[Any]:
    """The people who sign in for this partner (api/accounts), by name."""
    rows, _ = await account_reads.list_users(
        session, roles=("partner",), partner_id=partner_id, limit=ACCOUNTS_SHOWN, offset=0
    )
    return rows


@router.get("/partners/{partner_id}")
async def partner_page(request: Request, viewer: SelfViewer, partner_id: str) -> Response:
    """One partner: its contact, the people who sign in for it, its projects, and (staff) the edit form."""
    async with services_of(request).sessionmaker() as session:
        partner = await partner_reads.get_partner(session, partner_id)
        if partner is None:
            return not_found_page(request, viewer)
        await record_read(session, viewer.principal, "partners_read", partner_id)
    return await _page(request, viewer, partner)


@router.post("/partners/{partner_id}")
async def change_partner_page(request: Request, viewer: StaffViewer, partner_id: str) -> Response:
    """Change the name or the contact; a refusal is shown beside the form, as the JSON route answers it."""
    form = await checked_form(request, viewer)
    values = {name: text(form, name) for name in FIELDS}
    async with services_of(request).sessionmaker() as session:
        partner = await partner_reads.get_partner(session, partner_id)
    if partner is None:
        return not_found_page(request, viewer)
    body = form_body(PartnerUpdate, values)
    if isinstance(body, FormError):
        return await _page(
            request, viewer, partner, error=body, values=values, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        async with services_of(request).sessionmaker() as session:
            changed = await partner_service.change_partner(session, partner_id, body, by=viewer.principal)
            name = changed.name
    except ApiError as refused:
        if refused.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        return await _page(
            request, viewer, partner, error=FormError.of(refused), values=values, status_code=refused.status_code
        )
    return redirect(request, f"/partners/{partner_id}", Flash("success", f"“{name}” saved."))
