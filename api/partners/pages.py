"""Staff pages: partner organisations (list, create, issue a key) and the e-mail outbox.

A new partner key is shown once, on the page that answers the POST (never in a redirect, a URL or
a cookie), marked `no-store` so the browser keeps no copy; only its hash is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from api.app_services import services_of
from api.auth import Role, issue_key
from api.pages.session import Flash
from api.pages.web import (
    FormError,
    Viewer,
    checked_form,
    not_found_page,
    redirect,
    render,
    require_viewer,
    staff_only_page,
    text,
)
from api.partners.schemas import PartnerCreate, PartnerKeyCreate
from store.partners import reads as partner_reads
from store.partners import writes as partner_writes
from store.projects import reads as project_reads

router = APIRouter(include_in_schema=False)

ViewerDep = Annotated[Viewer, Depends(require_viewer)]

PAGE_SIZE = 25
PARTNER_FIELDS = ("name", "contact_name", "contact_email")
ALREADY_REGISTERED = "There is already a partner organisation with this name (whatever its capitals or spacing)."


def _page(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 40_000))
    except ValueError:
        return 1


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
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "partners.html",
        viewer,
        status_code=status_code,
        partners=rows,
        total=total,
        page=page,
        pages=pages,
        prev_link=f"/partners?page={page - 1}" if page > 1 else None,
        next_link=f"/partners?page={page + 1}" if page < pages else None,
        error=error,
        values=values or {},
    )


@router.get("/partners")
async def list_partners_page(request: Request, viewer: ViewerDep) -> Response:
    """Partner organisations, newest first, with the form to add one."""
    if not viewer.is_staff:
        return staff_only_page(request, viewer)
    return await _partners(request, viewer)


@router.post("/partners")
async def create_partner_page(request: Request, viewer: ViewerDep) -> Response:
    """Register a partner organisation and its contact."""
    form = await checked_form(request, viewer)
    if not viewer.is_staff:
        return staff_only_page(request, viewer)
    values = {name: text(form, name) for name in PARTNER_FIELDS}
    try:
        body = PartnerCreate.model_validate(values)
    except ValidationError as exc:
        return await _partners(
            request,
            viewer,
            error=FormError.invalid_input(exc),
            values=values,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    async with services_of(request).sessionmaker() as session:
        try:
            if await partner_reads.find_partner_by_name(session, body.name) is not None:
                raise IntegrityError("partner.name_key", None, ValueError("duplicate"))
            partner = await partner_writes.create_partner(
                session,
                name=body.name,
                contact_name=body.contact_name,
                contact_email=body.contact_email,
                now=datetime.now(UTC),
            )
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return await _partners(
                request,
                viewer,
                error=FormError(ALREADY_REGISTERED, {"name": ALREADY_REGISTERED}),
                values=values,
                status_code=status.HTTP_409_CONFLICT,
            )
        name = partner.name
    return redirect(request, "/partners", Flash("success", f"Partner “{name}” added. Issue it a key below."))


@router.post("/partners/{partner_id}/keys")
async def create_partner_key_page(request: Request, viewer: ViewerDep, partner_id: str) -> Response:
    """Issue an API key for a partner and show it, once."""
    form = await checked_form(request, viewer)
    if not viewer.is_staff:
        return staff_only_page(request, viewer)
    try:
        body = PartnerKeyCreate.model_validate({"label": text(form, "label")})
    except ValidationError as exc:
        return await _partners(
            request, viewer, error=FormError.invalid_input(exc), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    async with services_of(request).sessionmaker() as session:
        partner = await partner_reads.get_partner(session, partner_id)
        if partner is None:
            return not_found_page(request, viewer)
        partner_name = partner.name
        row, key = await issue_key(
            session, role=Role.PARTNER, partner_id=partner_id, label=body.label, now=datetime.now(UTC)
        )
    return render(
        request,
        "key_created.html",
        viewer,
        status_code=status.HTTP_201_CREATED,
        partner_name=partner_name,
        key=key,
        prefix=row.prefix,
        label=row.label,
    )


@router.get("/outbox")
async def outbox_page(request: Request, viewer: ViewerDep) -> Response:
    """E-mails Engage wrote, newest first; each body can be opened in place."""
    if not viewer.is_staff:
        return staff_only_page(request, viewer)
    page = _page(request)
    async with services_of(request).sessionmaker() as session:
        rows, total = await project_reads.list_outbox(
            session, project_id=None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "outbox.html",
        viewer,
        emails=rows,
        total=total,
        page=page,
        pages=pages,
        prev_link=f"/outbox?page={page - 1}" if page > 1 else None,
        next_link=f"/outbox?page={page + 1}" if page < pages else None,
    )
