"""Staff run a Knowledge Exchange year on pages: open it, and confirm or replace its partners. Matching
and moving placements are in api.exchange.placement_pages, applications (list, read, shortlist) in
api.exchange.application_pages, a partner's own selection form in api.exchange.pages.

Each form is parsed into its JSON route's request schema and sent through the same function
(api.exchange.service, api.exchange.programme_updates), so the workflow's validator decides for both.
Steps that cannot be undone (opening a year, confirming or replacing a partner) are
confirmed server-side: the first post answers a confirmation page that changes nothing, carrying the
form's values and nonce; only its "Yes" sends the change (`confirm.ask`). A refusal re-renders the
dashboard (or the programmes list) with the status, the field and the reason beside the form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.callers import Caller
from api.errors import ApiError
from api.exchange import board_view, confirm, page_forms, programme_updates, service
from api.exchange.schemas import (
    PartnerPath,
    ProgrammeCreate,
    ReplacementCreate,
    YearPath,
)
from api.pages.form_body import form_body
from api.pages.page_times import parse_local
from api.pages.session import Flash
from api.pages.web import (
    FormError,
    Viewer,
    as_api_error,
    checked_form,
    redirect,
    text,
    texts,
)
from api.partners import service as partner_service
from domain.exchange_rules import REPLACEMENT_CONFIRM_WINDOW

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]
OPEN_FIELDS = (
    "year",
    "confirm_by",
    "opens_at",
    "closes_at",
    "starts_on",
    "ends_on",
    "budget",
    "lead_name",
    "lead_email",
)
OPEN_MOMENTS = ("confirm_by", "opens_at", "closes_at")
#: ProgrammeCreate's fields -> the open form's inputs (a rule across the window names its second input).
OPEN_RENAME = {
    "application_window_opens_at": "opens_at",
    "application_window_closes_at": "closes_at",
    "application_window": "closes_at",
    "placement_window_starts_on": "starts_on",
    "placement_window_ends_on": "ends_on",
    "placement_window": "ends_on",
}


@router.post("/exchange")
async def open_programme_page(request: Request, viewer: StaffViewer) -> Response:
    """Open a year: the same input as `POST /api/v1/exchange/programmes` (times in the museum's zone)."""
    form = await checked_form(request, viewer)
    values: dict[str, Any] = {name: text(form, name) for name in OPEN_FIELDS}
    values["partner_ids"] = texts(form, "partner_ids")
    services = services_of(request)
    zone = services.settings.timezone
    moments = {name: parse_local(values[name], zone) for name in OPEN_MOMENTS}
    wrong = {name: reason for name, reason in moments.items() if isinstance(reason, str)}
    body = form_body(
        ProgrammeCreate,
        {
            "year": values["year"],
            "partner_ids": values["partner_ids"],
            "confirm_by": moments["confirm_by"],
            "application_window": {"opens_at": moments["opens_at"], "closes_at": moments["closes_at"]},
            "placement_window": {"starts_on": values["starts_on"], "ends_on": values["ends_on"]},
            "budget": values["budget"] or "0",
            "lead": {"name": values["lead_name"], "email": values["lead_email"]},
        },
        OPEN_RENAME,
    )
    if wrong or isinstance(body, FormError):
        fields = (body.fields if isinstance(body, FormError) else {}) | wrong
        error = FormError(f"Please correct this: {'; '.join(fields.values())}.", fields)
        return await board_view.programmes_index(
            request, viewer, error=error, values=values, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    if not confirm.confirmed(form):
        async with services.sessionmaker() as session:
            names = await partner_service.partner_names(session, body.partner_ids)
        return confirm.ask(
            request,
            viewer,
            form,
            title=f"Open the Knowledge Exchange {body.year}?",
            lines=[
                f"Partners invited: {', '.join(names.values())}; each confirms by "
                f"{confirm.moment(body.confirm_by, zone)}.",
                f"Applications open {confirm.moment(body.application_window.opens_at, zone)} and close "
                f"{confirm.moment(body.application_window.closes_at, zone)}.",
                f"Placements between {confirm.day(body.placement_window.starts_on)} and "
                f"{confirm.day(body.placement_window.ends_on)}; budget £{body.budget:,.2f}.",
                f"A year is opened once: {body.year} cannot be opened again.",
            ],
            action="/exchange",
            button=f"Yes, open {body.year}",
            back="/exchange",
        )
    try:
        async with services.sessionmaker() as session:
            with as_api_error(viewer.principal):
                state = await service.open_programme(
                    body,
                    client=services.client,
                    session=session,
                    catalog=services.catalog,
                    task_queue=services.settings.task_queue,
                    by=viewer.principal,
                )
    except ApiError as refused:
        return await board_view.programmes_index(
            request, viewer, error=FormError.of(refused), values=values, status_code=refused.status_code
        )
    return redirect(request, f"/exchange/{state.year}", Flash("success", f"Knowledge Exchange {state.year} opened."))


@router.post("/exchange/{year}/partners/{partner_id}/confirm")
async def confirm_partner_page(
    request: Request, viewer: StaffViewer, year: YearPath, partner_id: PartnerPath
) -> Response:
    """Staff confirm for a partner (on its word) that it takes part this year."""
    form = await checked_form(request, viewer)
    name = await _partner_name(request, partner_id)
    if not confirm.confirmed(form):
        return confirm.ask(
            request,
            viewer,
            form,
            title=f"Confirm {name} for {year}?",
            lines=[f"{name} takes part in the Knowledge Exchange {year}, confirmed in its name by you."],
            action=f"/exchange/{year}/partners/{partner_id}/confirm",
            button=f"Yes, confirm {name}",
            back=f"/exchange/{year}",
        )

    async def perform(caller: Caller) -> str:
        await programme_updates.confirm_partner(caller, year, partner_id)
        return f"{name} confirmed for {year}."

    form_id = f"confirm-{partner_id}"
    again = page_forms.board_again(request, viewer, year, form, form_id)
    return await page_forms.send(request, viewer, form, form_id, perform, done_at=f"/exchange/{year}", again=again)


@router.post("/exchange/{year}/partners/{partner_id}/replace")
async def replace_partner_page(
    request: Request, viewer: StaffViewer, year: YearPath, partner_id: PartnerPath
) -> Response:
    """Replace a partner that did not confirm in time with another registered organisation."""
    form = await checked_form(request, viewer)
    form_id = f"replace-{partner_id}"
    again = page_forms.board_again(request, viewer, year, form, form_id)
    body = form_body(ReplacementCreate, {"replacement_partner_id": text(form, "replacement_partner_id")})
    if isinstance(body, FormError):
        return await again(body, status.HTTP_422_UNPROCESSABLE_CONTENT)
    name, replacement = (
        await _partner_name(request, partner_id),
        await _partner_name(request, body.replacement_partner_id),
    )
    if not confirm.confirmed(form):
        return confirm.ask(
            request,
            viewer,
            form,
            title=f"Replace {name} with {replacement}?",
            lines=[
                f"{name} leaves the Knowledge Exchange {year}; it cannot be brought back.",
                f"{replacement} is invited in its place and has {REPLACEMENT_CONFIRM_WINDOW.days} days to confirm.",
            ],
            action=f"/exchange/{year}/partners/{partner_id}/replace",
            button=f"Yes, replace {name}",
            back=f"/exchange/{year}",
        )

    async def perform(caller: Caller) -> str:
        async with services_of(request).sessionmaker() as session:
            await programme_updates.replace_partner(caller, session, year, partner_id, body)
        return f"{name} replaced by {replacement}."

    return await page_forms.send(request, viewer, form, form_id, perform, done_at=f"/exchange/{year}", again=again)


async def _partner_name(request: Request, partner_id: str) -> str:
    async with services_of(request).sessionmaker() as session:
        return (await partner_service.partner_names(session, [partner_id]))[partner_id]
