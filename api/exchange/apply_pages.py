"""The public application form of a year's Knowledge Exchange: `/exchange/{year}/apply` and its thank-you.

No sign-in: anyone on the museum's or a partner's staff may apply. Server-rendered, no JavaScript,
every input labelled; a refused form comes back with the status the JSON API uses (422/409), the
reason beside the field that caused it, and what was typed kept. The POST takes the JSON API's own
code path (api.services.exchange.submit_application): validated, stored in one transaction, then
signalled to the programme. The form is bound to a pre-session cookie like the sign-in form, so
another site cannot post it in someone's browser. Nothing here logs what people typed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from sqlalchemy.exc import InterfaceError, OperationalError

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError, unavailable
from api.exchange import service
from api.exchange.schemas import ApplicationCreate, YearPath
from api.pages.form_body import form_body
from api.pages.session import PRE_SESSION_COOKIE
from api.pages.web import (
    FormError,
    checked_form,
    not_found_page,
    redirect,
    render,
    secure_cookies,
    text,
    texts,
)
from api.partners import service as partner_service
from domain.exchange import MUSEUM, ExchangeState, PartnerStatus
from store.exchange import reads as exchange_reads

#: The call for applications is open to anyone, no key (`api.access`).
router = APIRouter(include_in_schema=False, dependencies=[page_access("public")])


#: Areas of museum work offered as checkboxes (the JSON API takes any short text).
AREAS: tuple[str, ...] = (
    "Collections care",
    "Conservation",
    "Archives",
    "Curatorial research",
    "Exhibitions and display",
    "Learning and engagement",
    "Community programmes",
    "Digital",
    "Visitor experience",
    "Fundraising",
)
EMPLOYMENT_CHOICES = (
    ("employed", "Employed"),
    ("freelance", "Freelance or contracted"),
    ("volunteer", "Volunteer"),
)
FIELDS = (
    "name",
    "email",
    "organisation",
    "role",
    "employment",
    "statement_of_benefit",
    "hoped_gains",
    "offer",
    "access_needs",
    "availability",
)


async def _organisations(request: Request, state: ExchangeState) -> list[tuple[str, str]]:
    active = [p.partner_id for p in state.partners if p.status in (PartnerStatus.PENDING, PartnerStatus.CONFIRMED)]
    async with services_of(request).sessionmaker() as session:
        names = await partner_service.partner_names(session, active)
    return [("", "Choose your organisation"), (MUSEUM, "The museum"), *names.items()]


def _call_status(state: ExchangeState, now: datetime) -> str:
    if now < state.applications_opens_at:
        return "not_open"
    if now >= state.applications_closes_at:
        return "closed"
    return "open"


async def _form(
    request: Request,
    year: int,
    state: ExchangeState,
    *,
    error: FormError | None = None,
    values: dict[str, object] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    pre_session = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "exchange_apply.html",
        None,
        status_code=status_code,
        pre_session=pre_session,
        year=year,
        state=state,
        call=_call_status(state, datetime.now(UTC)),
        organisations=await _organisations(request, state),
        employments=EMPLOYMENT_CHOICES,
        areas=[(a, a) for a in AREAS],
        error=error,
        values=values or {},
    )
    response.set_cookie(
        PRE_SESSION_COOKIE, pre_session, path="/", httponly=True, samesite="strict", secure=secure_cookies(request)
    )
    return response


async def _state(request: Request, year: int) -> ExchangeState | None:
    async with services_of(request).sessionmaker() as session:
        row = await exchange_reads.get_programme(session, year)
    return ExchangeState.model_validate(row.state) if row is not None else None


@router.get("/exchange/{year}/apply")
async def application_form(request: Request, year: YearPath) -> Response:
    """The application form (or why the call is not open)."""
    state = await _state(request, year)
    if state is None:
        return not_found_page(request, None)
    return await _form(request, year, state)


@router.post("/exchange/{year}/apply")
async def apply(request: Request, year: YearPath) -> Response:
    """Check and store an application; the thank-you page, or the form again with what to correct."""
    form = await checked_form(request, None)
    state = await _state(request, year)
    if state is None:
        return not_found_page(request, None)
    values: dict[str, object] = {name: text(form, name) for name in FIELDS}
    values["preferred_areas"] = [a for a in texts(form, "preferred_areas") if a in AREAS]
    body = form_body(ApplicationCreate, values)
    if isinstance(body, FormError):
        return await _form(
            request, year, state, error=body, values=values, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        async with services_of(request).sessionmaker() as session:
            try:
                await service.submit_application(year, body, client=services_of(request).client, session=session)
            except (OperationalError, InterfaceError, ConnectionError, TimeoutError):
                raise unavailable() from None  # if it was stored after all, sending again says so
    except ApiError as refused:
        response = await _form(
            request, year, state, error=FormError.of(refused), values=values, status_code=refused.status_code
        )
        response.headers.update(refused.headers)
        return response
    return redirect(request, f"/exchange/{year}/apply/thanks")


@router.get("/exchange/{year}/apply/thanks")
async def application_received(request: Request, year: YearPath) -> Response:
    """The thank-you page after an application was stored."""
    state = await _state(request, year)
    if state is None:
        return not_found_page(request, None)
    return render(request, "exchange_applied.html", None, year=year, state=state)
