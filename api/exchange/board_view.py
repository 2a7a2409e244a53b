"""What the staff pages of a year show, rendered in one place: the programmes list with its "Open a year"
form, and a year's dashboard with its administration forms (partners, matching, placement dates).

The GET handlers (api.exchange.pages) render these; the forms' handlers (api.exchange.admin_pages)
render them again when a form is refused, with the form's error beside it, the status of the refusal
and what was typed kept. One nonce per rendering goes back with each form: it is the form's
Idempotency-Key, so a double submit (or a confirmation sent twice) is applied once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import Request, status
from fastapi.responses import Response

from api.access import partner_scope, sees_everything
from api.app_services import services_of
from api.exchange import service
from api.pages.web import FormError, Viewer, as_api_error, not_found_page, render
from api.partners import service as partner_service
from api.read_audit import record_read_apart
from domain import exchange_rules as kx_rules
from domain.exchange import MUSEUM, Direction, ExchangeState, PartnerStatus, Phase
from store.exchange import reads as exchange_reads
from store.partners import reads as partner_reads
from store.tables import ExchangeApplication, Partner

#: The partners offered by the forms (newest first). Beyond this, use the JSON API.
PARTNER_CHOICES = 500
DIRECTION_WORDS = {Direction.TO_MUSEUM: "to the museum", Direction.TO_PARTNER: "hosted by the partner"}


@dataclass(frozen=True)
class MatchRow:
    """A selected applicant not yet placed: one row of the match form."""

    partner_id: str
    partner_name: str
    direction: Direction
    applicant: str

    @property
    def words(self) -> str:
        return f"{self.partner_name}: {self.applicant}, {DIRECTION_WORDS[self.direction]}"


def first_monday(on_or_after: date) -> date:
    return on_or_after + timedelta(days=(7 - on_or_after.weekday()) % 7)


def match_rows(state: ExchangeState, names: dict[str, str], applicants: dict[str, str]) -> list[MatchRow]:
    """Each partner's selected applicant, per direction, whose placement is not matched yet."""
    rows = []
    for selection in state.selections:
        for direction, application_id in (
            (Direction.TO_MUSEUM, selection.outgoing_application_id),
            (Direction.TO_PARTNER, selection.hosted_application_id),
        ):
            if application_id and not kx_rules.matched(state, selection.partner_id, direction):
                name = names.get(selection.partner_id, selection.partner_id)
                rows.append(MatchRow(selection.partner_id, name, direction, applicants.get(application_id, "")))
    return rows


@dataclass(frozen=True)
class SelectionRow:
    """A confirmed partner's selection form for staff (on its behalf): its shortlisted applicants to send,
    the museum's shortlisted colleagues to host, and what is chosen now."""

    partner_id: str
    partner_name: str
    outgoing_choices: list[tuple[str, str]]
    hosted_choices: list[tuple[str, str]]
    outgoing: str
    hosted: str


def selection_rows(
    state: ExchangeState, names: dict[str, str], applications: list[ExchangeApplication]
) -> list[SelectionRow]:
    """One row per confirmed partner; the choices are the shortlisted applications the validator accepts."""
    shortlisted = [a for a in applications if a.id in state.shortlisted]
    rows = []
    for partner_id in state.confirmed_partner_ids():
        chosen = state.selection(partner_id)
        rows.append(
            SelectionRow(
                partner_id=partner_id,
                partner_name=names.get(partner_id, partner_id),
                outgoing_choices=[("", "Nobody yet")]
                + [(a.id, f"{a.name}, {a.role}") for a in shortlisted if a.organisation == partner_id],
                hosted_choices=[("", "Nobody yet")]
                + [(a.id, f"{a.name}, {a.role}") for a in shortlisted if a.organisation == MUSEUM],
                outgoing=(chosen.outgoing_application_id or "") if chosen else "",
                hosted=(chosen.hosted_application_id or "") if chosen else "",
            )
        )
    return rows


async def programmes_index(
    request: Request,
    viewer: Viewer,
    *,
    error: FormError | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """Every programme (staff) or those the partner takes part in; for staff, the "Open a year" form."""
    async with services_of(request).sessionmaker() as session:
        rows, _ = await exchange_reads.list_programmes(session, limit=100, offset=0)
        partners: list[Partner] = []
        if sees_everything(viewer.principal):
            partners, _ = await partner_reads.list_partners(session, only_id=None, limit=PARTNER_CHOICES, offset=0)
    states = [ExchangeState.model_validate(r.state) for r in rows]
    scope = partner_scope(viewer.principal)
    if scope is not None:
        states = [s for s in states if scope in s.active_partner_ids()]
    return render(
        request,
        "exchange_index.html",
        viewer,
        status_code=status_code,
        programmes=states,
        partner_pairs=[(p.id, p.name) for p in partners],
        error=error,
        values=values or {"partner_ids": [], "budget": "0"},
        zone=services_of(request).settings.timezone,
        nonce=secrets.token_urlsafe(12),
    )


async def staff_board(
    request: Request,
    viewer: Viewer,
    year: int,
    *,
    errors: dict[str, FormError] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """A year's dashboard with its forms (the read is audited: `programme_read`)."""
    services = services_of(request)
    with as_api_error(viewer.principal):
        found = await service.programme_board(services, year)
    if found is None:
        return not_found_page(request, viewer)
    await record_read_apart(services.sessionmaker, viewer.principal, "programme_read", str(year))
    state = found.state
    async with services.sessionmaker() as session:
        applications = await exchange_reads.list_applications(session, year)
        names = await partner_service.partner_names(session, [p.partner_id for p in state.partners])
        partners, _ = await partner_reads.list_partners(session, only_id=None, limit=PARTNER_CHOICES, offset=0)
    by_status: dict[str, int] = {}
    for application in applications:
        by_status[application.status] = by_status.get(application.status, 0) + 1
    applicants = {a.id: a.name for a in applications}
    in_programme = {p.partner_id for p in state.partners}
    matching_open = state.phase in (Phase.SELECTION, Phase.PLACEMENTS)
    # 👉 A refusal is shown beside its form; one whose form the page no longer shows (a placement
    # unknown, matching not open yet) is shown at the top, so no refusal is silent.
    beside = {f"{kind}-{p}" for p in in_programme for kind in ("confirm", "replace")}
    beside |= {f"move-{p.id}" for p in found.board.placements} | ({"match"} if matching_open else set())
    selecting = selection_rows(state, names, applications) if matching_open else []
    beside |= {f"select-{row.partner_id}" for row in selecting}
    elsewhere = [error for form_id, error in (errors or {}).items() if form_id not in beside]
    return render(
        request,
        "exchange_dashboard.html",
        viewer,
        status_code=status_code,
        year=year,
        state=state,
        live=found.live,
        board=found.board,
        by_status=by_status,
        names=names,
        applicants=applicants,
        pending=PartnerStatus.PENDING,
        lapsed=PartnerStatus.LAPSED,
        replacement_pairs=[("", "Choose an organisation")]
        + [(p.id, p.name) for p in partners if p.id not in in_programme],
        matching_open=matching_open,
        elsewhere=elsewhere,
        match_rows=match_rows(state, names, applicants),
        selection_rows=selecting,
        default_start=first_monday(state.placement_window.starts_on).isoformat(),
        directions=DIRECTION_WORDS,
        errors=errors or {},
        values=values or {},
        nonce=secrets.token_urlsafe(12),
    )
