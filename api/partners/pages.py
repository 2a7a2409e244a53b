"""Staff pages: partner organisations (list, create, issue a key) and the e-mail outbox.

A new partner key is shown once, on the page that answers the POST (never in a redirect, a URL or
a cookie), marked `no-store` so the browser keeps no copy; only its hash is stored. The forms take
the JSON routes' code path (api.partners.service), so they refuse alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError
from api.pages.form_body import form_body
from api.pages.session import Flash
from api.pages.web import (
    FormError,
    Viewer,
    checked_form,
    not_found_page,
    redirect,
    render,
    text,
)
from api.partners import service as partner_service
from api.partners.schemas import PartnerCreate, PartnerKeyCreate
from api.read_audit import record_read
from store.partners import reads as partner_reads
from store.projects import reads as project_reads
from store.projects.reads import OutboxFilter
from store.tables import OUTBOX_KINDS

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]

PAGE_SIZE = 25
PARTNER_FIELDS = ("name", "contact_name", "contact_email")
ALREADY_REGISTERED = "There is already a partner organisation with this name (whatever its capitals or spacing)."


def _page(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 40_000))
    except ValueError:
        return 1


def _paging(path: str, page: int, total: int) -> dict[str, Any]:
    """What a listed page's pager shows: the counts and the links either side."""
    pages = max(1, -(-total // PAGE_SIZE))
    return {
        "total": total,
        "page": page,
        "pages": pages,
        "prev_link": f"{path}?page={page - 1}" if page > 1 else None,
        "next_link": f"{path}?page={page + 1}" if page < pages else None,
    }


async def _partners(
    request: Request,
    viewer: Viewer,
    *,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    page = _page(request)
    async with services_of(request).sessionmaker() as session:
        rows, total = await partner_reads.list_partners(
            session, only_id=None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    return render(
        request,
        "partners.html",
        viewer,
        status_code=status_code,
        partners=rows,
        **_paging("/partners", page, total),
        error=error,
        values=values or {},
    )


@router.get("/partners")
async def list_partners_page(request: Request, viewer: StaffViewer) -> Response:
    """Partner organisations, newest first, with the form to add one (their contacts: the read is audited)."""
    async with services_of(request).sessionmaker() as session:
        await record_read(session, viewer.principal, "partners_read", None)
    return await _partners(request, viewer)


@router.post("/partners")
async def create_partner_page(request: Request, viewer: StaffViewer) -> Response:
    """Register a partner organisation and its contact."""
    form = await checked_form(request, viewer)
    values = {name: text(form, name) for name in PARTNER_FIELDS}
    body = form_body(PartnerCreate, values)
    if isinstance(body, FormError):
        return await _partners(
            request, viewer, error=body, values=values, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        async with services_of(request).sessionmaker() as session:
            name = (await partner_service.register_partner(session, body, by=viewer.principal)).name
    except ApiError:  # the one refusal: the name is already registered (409)
        return await _partners(
            request,
            viewer,
            error=FormError(ALREADY_REGISTERED, {"name": ALREADY_REGISTERED}),
            values=values,
            status_code=status.HTTP_409_CONFLICT,
        )
    return redirect(request, "/partners", Flash("success", f"Partner “{name}” added. Issue it a key below."))


@router.post("/partners/{partner_id}/keys")
async def create_partner_key_page(request: Request, viewer: StaffViewer, partner_id: str) -> Response:
    """Issue an API key for a partner and show it, once."""
    form = await checked_form(request, viewer)
    body = form_body(PartnerKeyCreate, {"label": text(form, "label")})
    if isinstance(body, FormError):
        return await _partners(request, viewer, error=body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        async with services_of(request).sessionmaker() as session:
            issued = await partner_service.issue_partner_key(session, partner_id, body, by=viewer.principal)
            partner_name = issued.partner.name
    except ApiError:  # the one refusal: no such partner (404)
        return not_found_page(request, viewer)
    return render(
        request,
        "key_created.html",
        viewer,
        status_code=status.HTTP_201_CREATED,
        partner_name=partner_name,
        key=issued.key,
        prefix=issued.row.prefix,
        label=issued.row.label,
    )


@router.get("/outbox")
async def outbox_page(request: Request, viewer: StaffViewer) -> Response:
    """E-mails Engage wrote, newest first, narrowed by recipient, project and kind as the JSON list is
    (store.projects.reads.OutboxFilter); each body can be opened in place."""
    page = _page(request)
    filters = outbox_filter(request.query_params)
    async with services_of(request).sessionmaker() as session:
        await record_read(session, viewer.principal, "outbox_read", filters.project_id)  # as the JSON view
        rows, total = await project_reads.list_outbox(
            session, project_id=None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, filters=filters
        )
    query = urlencode({k: v for k, v in vars(filters).items() if v})
    paging = _paging("/outbox", page, total)
    for link in ("prev_link", "next_link"):
        if paging[link] and query:
            paging[link] += "&" + query
    return render(
        request,
        "outbox.html",
        viewer,
        emails=rows,
        filters=filters,
        filtered=bool(query),
        kind_pairs=[(k, k.capitalize()) for k in OUTBOX_KINDS],
        **paging,
    )


def outbox_filter(params: Mapping[str, str]) -> OutboxFilter:
    """The page's filters, kept to what the JSON route accepts: a recipient of 2 to 320 characters, a
    known kind, a project id of up to 64; anything else is left out (a page never answers 422 or 500
    for a query string someone typed)."""
    recipient = params.get("recipient", "").strip()
    kind = params.get("kind", "")
    project_id = params.get("project_id", "").strip()
    return OutboxFilter(
        project_id=project_id if 0 < len(project_id) <= 64 else None,
        kind=kind if kind in OUTBOX_KINDS else None,
        recipient=recipient if 2 <= len(recipient) <= 320 else None,
    )
