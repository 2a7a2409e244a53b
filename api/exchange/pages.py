"""Signed-in Knowledge Exchange pages: the programmes, a year's staff dashboard, a partner's view with its
selection form, and a placement's case study.

`/exchange/{year}` is the staff dashboard (placements with stage and overdue milestones, the budget,
response rates, outcomes per aim, and the forms that run the year: api.exchange.board_view) for staff,
and for a partner its own view: whether it takes part (with the form that confirms it), its staff's
applications, the museum colleagues it may host, and the form that selects both. Forms take the JSON
API's code paths (api.exchange.service, programme_updates), so the workflow's validator decides and
refuses alike; a refusal re-renders the page with the status, the field and the reason. The staff
forms are in admin_pages, application_pages and placement_pages. Nothing here logs.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response

from api.access import page_access, sees_everything
from api.app_services import services_of
from api.callers import Caller
from api.errors import ApiError
from api.exchange import board_view, confirm, programme_updates, service
from api.exchange import calls as exchange_calls
from api.exchange import case_study as case_studies
from api.exchange.schemas import PlacementPath, SelectionCreate, YearPath
from api.pages.form_body import form_body
from api.pages.session import Flash
from api.pages.web import (
    SECURITY_HEADERS,
    FormError,
    Viewer,
    as_api_error,
    checked_form,
    not_found_page,
    redirect,
    render,
    text,
)
from api.read_audit import record_read_apart
from domain import exchange_rules as kx_rules
from domain.exchange import Direction

router = APIRouter(include_in_schema=False)

ViewerDep = Annotated[Viewer, page_access("signed_in")]
#: Staff, or a partner taking part in the year's programme (others get the 404 page, as for no programme).
PartyViewer = Annotated[Viewer, page_access("programme_party")]
StaffViewer = Annotated[Viewer, page_access("staff")]
#: A partner taking part in the year, signed in (staff use the dashboard's forms; others get the 404 page).
PartnerViewer = Annotated[Viewer, page_access("partner_in_programme")]
SELECTION_FIELDS = ("outgoing_application_id", "hosted_application_id")


@router.get("/exchange")
async def programmes_page(request: Request, viewer: ViewerDep) -> Response:
    """Every programme (staff) or those the partner takes part in; staff also get "Open a year"."""
    return await board_view.programmes_index(request, viewer)


@router.get("/exchange/{year}")
async def programme_page(request: Request, viewer: PartyViewer, year: YearPath) -> Response:
    """The staff dashboard with its forms, or a partner's own view of the year (its applicants: the read is
    audited)."""
    if not sees_everything(viewer.principal):
        await record_read_apart(services_of(request).sessionmaker, viewer.principal, "applications_read", str(year))
        return await _partner_page(request, viewer, year)
    return await board_view.staff_board(request, viewer, year)


async def _partner_page(
    request: Request,
    viewer: Viewer,
    year: int,
    *,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
    confirm_error: FormError | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    partner_id = viewer.principal.partner_id
    # Live state, not the read model: right after "Save selection" the page must show it.
    services = services_of(request)
    found = await exchange_calls.programme_state(services.client, services.sessionmaker, year)
    state = found[0] if found is not None else None
    if state is None or partner_id not in state.active_partner_ids():
        return not_found_page(request, viewer)
    async with services.sessionmaker() as session:
        applications = await service.visible_applications(session, year, viewer.principal)
    own = [a for a in applications if a.organisation == partner_id]
    hostable = [a for a in applications if a.organisation != partner_id]
    selection = state.selection(partner_id) if partner_id else None
    names = {a.id: a.name for a in applications}
    placements = [(p, names.get(p.application_id, "")) for p in state.placements if p.partner_id == partner_id]
    chosen = values or {
        "outgoing_application_id": (selection.outgoing_application_id or "") if selection else "",
        "hosted_application_id": (selection.hosted_application_id or "") if selection else "",
    }
    return render(
        request,
        "exchange_partner.html",
        viewer,
        status_code=status_code,
        year=year,
        state=state,
        slot=state.slot(partner_id or ""),
        own=own,
        hostable=hostable,
        outgoing_choices=[("", "Nobody yet")]
        + [(a.id, f"{a.name}, {a.role}") for a in own if a.id in state.shortlisted],
        hosted_choices=[("", "Nobody yet")] + [(a.id, f"{a.name}, {a.role}") for a in hostable],
        # 👉 Issue 12: once a placement is matched its choice is settled, so the form offers only
        # the directions still open, and none at all once both are matched.
        sending_open=not kx_rules.matched(state, partner_id or "", Direction.TO_MUSEUM),
        hosting_open=not kx_rules.matched(state, partner_id or "", Direction.TO_PARTNER),
        placements=placements,
        error=error,
        values=chosen,
        confirm_error=confirm_error,
        nonce=secrets.token_urlsafe(12),
    )


@router.post("/exchange/{year}/confirm")
async def confirm_taking_part_page(request: Request, viewer: PartnerViewer, year: YearPath) -> Response:
    """A partner confirms on its own page that it takes part this year: confirmed first on a page that
    changes nothing (it cannot be undone), then sent as `POST .../partners/{partner_id}/confirm` sends it."""
    form = await checked_form(request, viewer)
    if not confirm.confirmed(form):
        return confirm.ask(
            request,
            viewer,
            form,
            title=f"Confirm that you take part in {year}?",
            lines=[
                f"Your organisation takes part in the Knowledge Exchange {year}: your staff may apply, and you "
                "choose whom you send and whom you host once the call has closed."
            ],
            action=f"/exchange/{year}/confirm",
            button="Yes, we take part",
            back=f"/exchange/{year}",
        )
    nonce = text(form, "nonce")
    caller = Caller(services_of(request).client, viewer.principal, f"page:{nonce}:confirm" if nonce else None)
    try:
        with as_api_error(viewer.principal):
            await programme_updates.confirm_partner(caller, year, viewer.principal.partner_id or "")
    except ApiError as refused:
        if refused.status_code == status.HTTP_404_NOT_FOUND and refused.field is None:
            return not_found_page(request, viewer)
        return await _partner_page(
            request, viewer, year, confirm_error=FormError.of(refused), status_code=refused.status_code
        )
    return redirect(request, f"/exchange/{year}", Flash("success", f"Thank you: you take part in {year}."))


@router.post("/exchange/{year}/selection")
async def select_page(request: Request, viewer: PartnerViewer, year: YearPath) -> Response:
    """A partner's choice of the colleague it sends and the museum colleague it hosts."""
    form = await checked_form(request, viewer)
    values = {name: text(form, name) for name in SELECTION_FIELDS}
    body = form_body(
        SelectionCreate,
        {
            "partner_id": viewer.principal.partner_id or "",
            "outgoing_application_id": values["outgoing_application_id"] or None,
            "hosted_application_id": values["hosted_application_id"] or None,
        },
    )
    if isinstance(body, FormError):
        return await _partner_page(
            request, viewer, year, error=body, values=values, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    services = services_of(request)
    try:
        async with services.sessionmaker() as session:
            with as_api_error(viewer.principal):
                # The selection form carries no nonce: each save is a request of its own.
                await programme_updates.select(Caller(services.client, viewer.principal), session, year, body)
    except ApiError as refused:
        if refused.status_code == status.HTTP_404_NOT_FOUND and refused.field is None:
            return not_found_page(request, viewer)
        return await _partner_page(
            request, viewer, year, error=FormError.of(refused), values=values, status_code=refused.status_code
        )
    return redirect(request, f"/exchange/{year}", Flash("success", "Your selection is saved."))


@router.post("/exchange/{year}/placements/{placement_id}/case-study")
async def mark_case_study_page(
    request: Request, viewer: StaffViewer, year: YearPath, placement_id: PlacementPath
) -> Response:
    """Staff mark a placement as a case study."""
    await checked_form(request, viewer)
    try:
        async with services_of(request).sessionmaker() as session:
            await programme_updates.mark_case_study(session, year, placement_id, by=viewer.principal)
    except ApiError:  # the one refusal: no such placement (404)
        return not_found_page(request, viewer)
    return redirect(request, f"/exchange/{year}", Flash("success", "Marked as a case study."))


@router.get("/exchange/{year}/placements/{placement_id}/case-study")
async def case_study_page(
    request: Request, viewer: StaffViewer, year: YearPath, placement_id: PlacementPath
) -> Response:
    """The case study as a page (staff)."""
    services = services_of(request)
    try:
        async with services.sessionmaker() as session:
            with as_api_error(viewer.principal):
                study = await case_studies.load(services, session, year, placement_id)
    except ApiError as refused:
        if refused.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        return redirect(request, f"/exchange/{year}", Flash("error", refused.reason or refused.detail))
    return HTMLResponse(case_studies.render_html(study), headers=SECURITY_HEADERS)
