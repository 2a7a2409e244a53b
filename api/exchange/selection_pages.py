"""Staff select on a partner's behalf on the year's dashboard: the colleague it sends and the museum
colleague it hosts, as `POST /api/v1/exchange/programmes/{year}/selections` lets staff do for it.

The form (one per confirmed partner, while selection is open: api.exchange.board_view) is parsed into the
JSON route's `SelectionCreate` and sent through the same `programme_updates.select`, so the workflow's
validator decides for both and records the staff actor on the partner's selection, as the JSON route
does. A selection settles a placement once matched, so it is confirmed server-side first on a page that
changes nothing (`confirm.ask`), like the year's other staff steps; its "Yes" carries the nonce, so a
confirmation sent twice is applied once. A partner's own form is `POST /exchange/{year}/selection`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.callers import Caller
from api.exchange import confirm, page_forms, programme_updates
from api.exchange.schemas import PartnerPath, SelectionCreate, YearPath
from api.pages.form_body import form_body
from api.pages.web import FormError, Viewer, checked_form, text
from api.partners import service as partner_service
from store.exchange import reads as exchange_reads

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]
SELECTION_FIELDS = ("outgoing_application_id", "hosted_application_id")


@router.post("/exchange/{year}/partners/{partner_id}/selection")
async def select_for_partner_page(
    request: Request, viewer: StaffViewer, year: YearPath, partner_id: PartnerPath
) -> Response:
    """Staff choose for a partner whom it sends and whom it hosts (confirmed first)."""
    form = await checked_form(request, viewer)
    form_id = f"select-{partner_id}"
    again = page_forms.board_again(request, viewer, year, form, form_id)
    values = {name: text(form, name) for name in SELECTION_FIELDS}
    body = form_body(
        SelectionCreate,
        {
            "partner_id": partner_id,
            "outgoing_application_id": values["outgoing_application_id"] or None,
            "hosted_application_id": values["hosted_application_id"] or None,
        },
    )
    if isinstance(body, FormError):
        return await again(body, status.HTTP_422_UNPROCESSABLE_CONTENT)
    services = services_of(request)
    async with services.sessionmaker() as session:
        name = (await partner_service.partner_names(session, [partner_id]))[partner_id]
        applicants = {a.id: a.name for a in await exchange_reads.list_applications(session, year)}
    if not confirm.confirmed(form):
        lines = [
            f"{what}: {applicants.get(chosen, chosen)}."
            for what, chosen in (
                (f"{name} sends", body.outgoing_application_id),
                (f"{name} hosts", body.hosted_application_id),
            )
            if chosen
        ]
        lines.append(f"Recorded as chosen by you on behalf of {name}; once matched, a placement keeps its applicant.")
        return confirm.ask(
            request,
            viewer,
            form,
            title=f"Select for {name} in {year}?",
            lines=lines,
            action=f"/exchange/{year}/partners/{partner_id}/selection",
            button=f"Yes, select for {name}",
            back=f"/exchange/{year}",
        )

    async def perform(caller: Caller) -> str:
        async with services.sessionmaker() as session:
            await programme_updates.select(caller, session, year, body)
        return f"Selection saved for {name}."

    return await page_forms.send(request, viewer, form, form_id, perform, done_at=f"/exchange/{year}", again=again)
