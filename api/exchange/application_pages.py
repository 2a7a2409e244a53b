"""Staff read a year's applications on pages (a list filtered by organisation and status, and one in
full) and shortlist them.

Reading applications is a read of personal data: each page writes an `applications_read` entry to the
audit trail, as `GET /api/v1/exchange/programmes/{year}/applications` does (the list names the year,
one application its id). The list takes the JSON list's service (api.exchange.service); shortlisting
takes the JSON route's (api.exchange.programme_updates.shortlist), confirmed first on a page that
changes nothing: a shortlisted application stays on the shortlist.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.callers import Caller
from api.errors import ApiError
from api.exchange import calls as exchange_calls
from api.exchange import confirm, page_forms, programme_updates, service
from api.exchange.schemas import YearPath
from api.pages.web import FormError, Viewer, as_api_error, checked_form, not_found_page, render
from api.partners import service as partner_service
from api.read_audit import record_read_apart
from domain.exchange import MUSEUM, ExchangeState
from store.tables import APPLICATION_STATUSES

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]
ApplicationPath = Annotated[str, Path(min_length=1, max_length=32)]


async def _programme(request: Request, viewer: Viewer, year: int) -> ExchangeState | None:
    """The year's state as its dashboard reads it (live, else as recorded); None: no such programme."""
    services = services_of(request)
    with as_api_error(viewer.principal):
        found = await exchange_calls.programme_state(services.client, services.sessionmaker, year)
    return found[0] if found is not None else None


@router.get("/exchange/{year}/applications")
async def applications_page(request: Request, viewer: StaffViewer, year: YearPath) -> Response:
    """Every application of the year, or one organisation's, or those of one status (the read is audited)."""
    services = services_of(request)
    async with services.sessionmaker() as session:
        try:
            state = await service.programme_row_state(session, year)
        except ApiError:
            return not_found_page(request, viewer)
        organisations = [MUSEUM, *(p.partner_id for p in state.partners)]
        names = await partner_service.partner_names(session, organisations)
        names[MUSEUM] = "The museum"
        chosen_organisation = request.query_params.get("organisation", "")
        chosen_status = request.query_params.get("status", "")
        organisation = chosen_organisation if chosen_organisation in names else None
        status_ = chosen_status if chosen_status in APPLICATION_STATUSES else None
        applications = await service.visible_applications(
            session, year, viewer.principal, organisation=organisation, status_=status_
        )
    await record_read_apart(services.sessionmaker, viewer.principal, "applications_read", str(year))
    return render(
        request,
        "exchange_applications.html",
        viewer,
        year=year,
        applications=applications,
        names=names,
        organisation_pairs=[("", "Any organisation"), *names.items()],
        status_pairs=[("", "Any status"), *((s, s.capitalize()) for s in APPLICATION_STATUSES)],
        filters={"organisation": organisation or "", "status": status_ or ""},
        filtered=bool(organisation or status_),
    )


async def _application_page(
    request: Request,
    viewer: Viewer,
    year: int,
    application_id: str,
    *,
    error: FormError | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    services = services_of(request)
    state = await _programme(request, viewer, year)
    async with services.sessionmaker() as session:
        application = await service.read_application(session, year, application_id)
        if state is None or application is None:
            return not_found_page(request, viewer)
        names = await partner_service.partner_names(session, [application.organisation])
    await record_read_apart(services.sessionmaker, viewer.principal, "applications_read", application_id)
    return render(
        request,
        "exchange_application.html",
        viewer,
        status_code=status_code,
        year=year,
        a=application,
        organisation_name="The museum" if application.organisation == MUSEUM else names[application.organisation],
        shortlisted=application_id in state.shortlisted,
        may_shortlist=state.phase.value in ("selection", "placements"),
        error=error,
        nonce=secrets.token_urlsafe(12),
    )


@router.get("/exchange/{year}/applications/{application_id}")
async def application_page(
    request: Request, viewer: StaffViewer, year: YearPath, application_id: ApplicationPath
) -> Response:
    """One application in full: contact, statements, access needs (the read is audited)."""
    return await _application_page(request, viewer, year, application_id)


@router.post("/exchange/{year}/applications/{application_id}/shortlist")
async def shortlist_page(
    request: Request, viewer: StaffViewer, year: YearPath, application_id: ApplicationPath
) -> Response:
    """Put an application on the shortlist, once confirmed (it cannot be taken off)."""
    form = await checked_form(request, viewer)
    services = services_of(request)
    async with services.sessionmaker() as session:
        application = await service.read_application(session, year, application_id)
    if application is None:
        return not_found_page(request, viewer)
    if not confirm.confirmed(form):
        return confirm.ask(
            request,
            viewer,
            form,
            title=f"Shortlist {application.name}?",
            lines=[
                f"{application.name} ({application.role}) goes on the {year} shortlist: their organisation may "
                "then select them, and a shortlisted application is not taken off again."
            ],
            action=f"/exchange/{year}/applications/{application_id}/shortlist",
            button=f"Yes, shortlist {application.name}",
            back=f"/exchange/{year}/applications/{application_id}",
        )

    async def perform(caller: Caller) -> str:
        async with services.sessionmaker() as session:
            await programme_updates.shortlist(caller, session, year, application_id)
        return "The application is shortlisted."

    async def again(error: FormError, code: int) -> Response:
        return await _application_page(request, viewer, year, application_id, error=error, status_code=code)

    return await page_forms.send(
        request,
        viewer,
        form,
        f"shortlist-{application_id}",
        perform,
        done_at=f"/exchange/{year}/applications",
        again=again,
    )
