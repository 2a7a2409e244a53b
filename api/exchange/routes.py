"""Knowledge Exchange programmes: open a year, read its state and dashboard, partners confirm or are
replaced, staff shortlist, partners select, staff match and move placements, case studies.

Every change is a Temporal Update on `exchange/{year}` with a validator, so a refusal comes back at once
with a field and a reason (mapped in api.errors) and an accepted change is durable before we answer.
These come from one or a few parties, never a crowd: applications (the crowd) are in
api.exchange.application_routes and never become Updates.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response, status
from fastapi.responses import HTMLResponse, PlainTextResponse

from api.auth import Principal
from api.deps import (
    CatalogDep,
    IdempotencyKeyDep,
    InstrumentsDep,
    LimitQuery,
    OffsetQuery,
    PrincipalDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
    StaffDep,
    TemporalDep,
)
from api.errors import UNKNOWN_PARTNER, error_responses, invalid, not_found
from api.exchange import calls as exchange_calls
from api.exchange import case_study as case_studies
from api.exchange import service
from api.exchange.dashboard import dashboard
from api.exchange.errors import PLACEMENT_NOT_FOUND, PROGRAMME_NOT_FOUND
from api.exchange.schemas import (
    CaseStudyMarked,
    MatchCreate,
    PlacementDatesUpdate,
    ProgrammeCreate,
    ProgrammeDetail,
    ProgrammePublic,
    ProgrammeSummary,
    ReplacementCreate,
    SelectionCreate,
)
from api.local_time import MuseumZoneDep
from api.pages.web import SECURITY_HEADERS
from api.schemas import Page
from api.temporal_calls import update_id
from domain.exchange import (
    ExchangeState,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PlacementDates,
    PlacementPlan,
)
from store.exchange import reads as exchange_reads
from store.exchange import writes as exchange_writes
from store.partners import reads as partner_reads
from workflows.exchange import ExchangeProgrammeWorkflow

router = APIRouter(prefix="/api/v1/exchange/programmes", tags=["exchange"])

YearPath = Annotated[int, Path(ge=2000, le=2099, description="The programme's year.")]
PartnerPath = Annotated[str, Path(min_length=1, max_length=32)]
PlacementPath = Annotated[str, Path(min_length=1, max_length=64)]


def _for_partner(principal: Principal, partner_id: str) -> None:
    """A partner key acts only for its own organisation; for any other it is a stranger (404)."""
    if not principal.is_staff and principal.partner_id != partner_id:
        raise not_found(PROGRAMME_NOT_FOUND)


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 422, 503))
async def create_programme(
    body: ProgrammeCreate,
    principal: StaffDep,
    zone: MuseumZoneDep,  # 👉 times sent without an offset are read in the museum's zone
    client: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> ProgrammePublic:
    """Open a year's Knowledge Exchange: starts its programme workflow (409 if the year exists)."""
    state = await service.open_programme(
        body, client=client, session=session, catalog=catalog, task_queue=settings.task_queue
    )
    return service.programme_public(state)


@router.get("", responses=error_responses(401))
async def list_programmes(
    principal: PrincipalDep, session: SessionDep, limit: LimitQuery = 50, offset: OffsetQuery = 0
) -> Page[ProgrammeSummary]:
    """Programmes from the read model, newest year first; a partner key sees those it takes part in."""
    rows, total = await exchange_reads.list_programmes(session, limit=limit, offset=offset)
    items = []
    for row in rows:
        state = ExchangeState.model_validate(row.state)
        partner_ids = [p.partner_id for p in state.partners]
        if principal.is_staff or principal.partner_id in partner_ids:
            items.append(
                ProgrammeSummary(
                    year=row.year,
                    phase=state.phase,
                    budget=row.budget,
                    partner_ids=partner_ids,
                    applications_opens_at=row.applications_opens_at,
                    applications_closes_at=row.applications_closes_at,
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                )
            )
    if not principal.is_staff:
        total = len(items)  # a partner's view is small: every programme it is in fits one page
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{year}", responses=error_responses(401, 403, 404, 422, 503))
async def read_programme(
    year: YearPath,
    principal: StaffDep,
    client: TemporalDep,
    sessionmaker: SessionmakerDep,
    session: SessionDep,
    instruments: InstrumentsDep,
    catalog: CatalogDep,
) -> ProgrammeDetail:
    """The programme's live state and its dashboard: placements, budget, response rates, outcomes."""
    found = await exchange_calls.programme_state(client, sessionmaker, year)
    if found is None:
        raise not_found(PROGRAMME_NOT_FOUND)
    state, live = found
    now = datetime.now(UTC)
    board = await dashboard(session, state, instruments, now, catalog)
    return ProgrammeDetail(
        **service.programme_public(state).model_dump(),
        live=live,
        live_reason=None if live else exchange_calls.NOT_LIVE,
        as_of=now,
        dashboard=board,
    )


@router.post("/{year}/partners/{partner_id}/confirm", responses=error_responses(401, 404, 409, 422, 503))
async def confirm_partner(
    year: YearPath,
    partner_id: PartnerPath,
    principal: PrincipalDep,
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """A partner (or staff for it) confirms it takes part this year, before its deadline."""
    _for_partner(principal, partner_id)
    confirmation = PartnerConfirmation(partner_id=partner_id, actor=principal.actor())
    state = await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.confirm_partner,
        confirmation,
        update_id=update_id("confirm_partner", principal, idempotency_key),
    )
    return service.programme_public(state)


@router.post("/{year}/partners/{partner_id}/replace", responses=error_responses(401, 403, 404, 409, 422, 503))
async def replace_partner(
    year: YearPath,
    partner_id: PartnerPath,
    body: ReplacementCreate,
    principal: StaffDep,
    client: TemporalDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Replace a partner that did not confirm in time with another organisation."""
    if await partner_reads.get_partner(session, body.replacement_partner_id) is None:
        raise invalid("replacement_partner_id", "no partner has that id", UNKNOWN_PARTNER)
    replacement = PartnerReplacement(
        partner_id=partner_id, replacement_partner_id=body.replacement_partner_id, actor=principal.actor()
    )
    state = await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.replace_partner,
        replacement,
        update_id=update_id("replace_partner", principal, idempotency_key),
    )
    return service.programme_public(state)


@router.post("/{year}/applications/{application_id}/shortlist", responses=error_responses(401, 403, 404, 409, 503))
async def shortlist_application(
    year: YearPath,
    application_id: Annotated[str, Path(min_length=1, max_length=32)],
    principal: StaffDep,
    client: TemporalDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Put an application on the shortlist (after the call has closed)."""
    state = await service.shortlist(
        year,
        application_id,
        principal,
        client=client,
        session=session,
        update_id=update_id("shortlist", principal, idempotency_key),
    )
    return service.programme_public(state)


@router.post("/{year}/selections", responses=error_responses(401, 404, 409, 422, 503))
async def select_applicants(
    year: YearPath,
    body: SelectionCreate,
    principal: PrincipalDep,
    client: TemporalDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """A partner (or staff for it) picks the colleague it sends and the museum colleague it hosts."""
    _for_partner(principal, body.partner_id)
    state = await service.select(
        year,
        body,
        principal,
        client=client,
        session=session,
        update_id=update_id("select_applicants", principal, idempotency_key),
    )
    return service.programme_public(state)


@router.post("/{year}/placements/match", responses=error_responses(401, 403, 404, 409, 422, 503))
async def match_placements(
    year: YearPath,
    body: MatchCreate,
    principal: StaffDep,
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Match selected applicants into five-day placements; each starts its own placement project."""
    plan = MatchPlan(
        placements=tuple(
            PlacementPlan(
                partner_id=p.partner_id, direction=p.direction, starts_on=p.starts_on, focus_areas=tuple(p.focus_areas)
            )
            for p in body.placements
        ),
        actor=principal.actor(),
    )
    state = await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.match_placements,
        plan,
        update_id=update_id("match_placements", principal, idempotency_key),
    )
    return service.programme_public(state)


@router.put("/{year}/placements/{placement_id}/dates", responses=error_responses(401, 403, 404, 409, 422, 503))
async def move_placement(
    year: YearPath,
    placement_id: PlacementPath,
    body: PlacementDatesUpdate,
    principal: StaffDep,
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Move a placement's five working days (within the placement window)."""
    dates = PlacementDates(placement_id=placement_id, starts_on=body.starts_on, actor=principal.actor())
    state = await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.move_placement,
        dates,
        update_id=update_id("move_placement", principal, idempotency_key),
    )
    return service.programme_public(state)


@router.post("/{year}/placements/{placement_id}/case-study", responses=error_responses(401, 403, 404))
async def mark_case_study(
    year: YearPath, placement_id: PlacementPath, principal: StaffDep, session: SessionDep
) -> CaseStudyMarked:
    """Mark a placement as a case study (idempotent)."""
    marked = await exchange_writes.mark_case_study(session, year, placement_id)
    await session.commit()
    if not marked:
        raise not_found(PLACEMENT_NOT_FOUND)
    return CaseStudyMarked(placement_id=placement_id, case_study=True)


def _wants_html(format_: str | None, accept: str | None) -> bool:
    if format_ is not None:
        return format_ == "html"
    accepted = (accept or "").lower()
    return "text/html" in accepted and "text/markdown" not in accepted


@router.get(
    "/{year}/placements/{placement_id}/case-study",
    responses=error_responses(401, 403, 404, 409)
    | {200: {"content": {"text/markdown": {}, "text/html": {}}, "description": "The case study."}},
    response_class=Response,
)
async def read_case_study(
    year: YearPath,
    placement_id: PlacementPath,
    principal: StaffDep,
    client: TemporalDep,
    sessionmaker: SessionmakerDep,
    session: SessionDep,
    catalog: CatalogDep,
    instruments: InstrumentsDep,
    format_: Annotated[Literal["md", "html"] | None, Query(alias="format")] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """The placement's case study in Markdown (Accept: text/markdown, ?format=md) or HTML (?format=html)."""
    study = await case_studies.load(
        year,
        placement_id,
        client=client,
        sessionmaker=sessionmaker,
        session=session,
        catalog=catalog,
        instruments=instruments,
    )
    if _wants_html(format_, accept):
        return HTMLResponse(case_studies.render_html(study), headers=SECURITY_HEADERS)
    return PlainTextResponse(
        case_studies.render_markdown(study),
        media_type="text/markdown; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )
