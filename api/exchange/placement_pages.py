"""Staff match placements and move their dates on the year's dashboard.

The match form lists each partner's selected applicants not yet placed; staff tick the rows to match,
each with its first Monday and focus areas, and confirm on a page that changes nothing (a match
starts each placement's project and settles its applicant: it cannot be undone). Both forms take
the JSON routes' path (api.exchange.programme_updates), so the workflow's validator decides; a row it
refuses (`placements.{n}.…`) is shown beside that row.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from starlette.datastructures import FormData

from api.access import page_access
from api.app_services import services_of
from api.callers import Caller
from api.errors import ApiError
from api.exchange import confirm, page_forms, programme_updates
from api.exchange.board_view import DIRECTION_WORDS
from api.exchange.schemas import MatchCreate, PlacementDatesUpdate, PlacementPath, YearPath
from api.pages.form_body import form_body
from api.pages.web import FormError, Viewer, checked_form, text, texts
from api.partners import service as partner_service
from domain.exchange import Direction

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]
#: The row inputs a refusal can name (anything else about a row is shown as the row's).
ROW_INPUTS = ("starts_on", "focus_areas")


def match_plan(form: FormData) -> tuple[list[str], MatchCreate | FormError]:
    """The ticked rows (their indexes) and the plan they make, or why not, by row input."""
    rows = texts(form, "include")
    if not rows:
        return rows, FormError("Choose at least one placement to match.", {"include": "choose at least one"})
    plans: list[dict[str, Any]] = []
    wrong: dict[str, str] = {}
    for row in rows:
        try:
            starts_on = date.fromisoformat(text(form, f"starts_on-{row}"))
        except ValueError:
            wrong[f"starts_on-{row}"] = "enter the first day, a Monday, such as 2031-05-05"
            continue
        areas = [a.strip() for a in text(form, f"focus_areas-{row}").split(",") if a.strip()]
        plans.append(
            {
                "partner_id": text(form, f"partner_id-{row}"),
                "direction": text(form, f"direction-{row}"),
                "starts_on": starts_on,
                "focus_areas": areas,
            }
        )
    if wrong:
        return rows, FormError(f"Please correct this: {'; '.join(wrong.values())}.", wrong)
    body = form_body(MatchCreate, {"placements": plans})
    if isinstance(body, FormError):  # the inputs left to refuse are each row's focus areas (10, 100 characters)
        return rows, FormError(body.message, {f"focus_areas-{row}": body.message for row in rows})
    return rows, body


def row_error(rows: list[str]) -> Any:
    """How a refusal naming `placements.{n}.{input}` is shown: beside the n-th ticked row."""

    def explain(error: ApiError) -> FormError:
        parts = (error.field or "").split(".")
        if len(parts) == 3 and parts[0] == "placements" and parts[1].isdigit() and int(parts[1]) < len(rows):
            row, name = rows[int(parts[1])], parts[2]
            reason = error.reason or error.detail
            return FormError(f"Not matched: {reason}.", {f"{name if name in ROW_INPUTS else 'row'}-{row}": reason})
        return FormError.of(error)

    return explain


@router.post("/exchange/{year}/placements/match")
async def match_placements_page(request: Request, viewer: StaffViewer, year: YearPath) -> Response:
    """Match the selected applicants (the ticked rows) into five-day placements: partner, direction, Monday."""
    form = await checked_form(request, viewer)
    again = page_forms.board_again(request, viewer, year, form, "match")
    rows, body = match_plan(form)
    if isinstance(body, FormError):
        return await again(body, status.HTTP_422_UNPROCESSABLE_CONTENT)
    if not confirm.confirmed(form):
        async with services_of(request).sessionmaker() as session:
            names = await partner_service.partner_names(session, [p.partner_id for p in body.placements])
        count = len(body.placements)
        return confirm.ask(
            request,
            viewer,
            form,
            title=f"Match {count} placement{'' if count == 1 else 's'}?",
            lines=[
                f"{names[p.partner_id]}, {DIRECTION_WORDS[Direction(p.direction)]}: {confirm.day(p.starts_on)} to "
                f"{confirm.day(p.starts_on + timedelta(days=4))}"
                for p in body.placements
            ]
            + ["Each starts its own placement project and keeps its applicant; its dates can still move."],
            action=f"/exchange/{year}/placements/match",
            button="Yes, match them",
            back=f"/exchange/{year}",
        )

    async def perform(caller: Caller) -> str:
        await programme_updates.match_placements(caller, year, body)
        return f"{len(body.placements)} placement(s) matched: each has its own project."

    return await page_forms.send(
        request, viewer, form, "match", perform, done_at=f"/exchange/{year}", again=again, explain=row_error(rows)
    )


@router.post("/exchange/{year}/placements/{placement_id}/dates")
async def move_placement_page(
    request: Request, viewer: StaffViewer, year: YearPath, placement_id: PlacementPath
) -> Response:
    """Move a placement's five working days (no confirmation: it can be moved back)."""
    form = await checked_form(request, viewer)
    form_id = f"move-{placement_id}"
    again = page_forms.board_again(request, viewer, year, form, form_id)
    body = form_body(PlacementDatesUpdate, {"starts_on": text(form, "starts_on")})
    if isinstance(body, FormError):
        return await again(body, status.HTTP_422_UNPROCESSABLE_CONTENT)

    async def perform(caller: Caller) -> str:
        await programme_updates.move_placement(caller, year, placement_id, body)
        return f"Placement moved: it starts {confirm.day(body.starts_on)}."

    return await page_forms.send(request, viewer, form, form_id, perform, done_at=f"/exchange/{year}", again=again)
