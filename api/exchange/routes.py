"""Knowledge Exchange programmes: open a year, read its state and dashboard, partners confirm or are
replaced, staff shortlist, partners select. Placements (match, move, case studies) are in
api.exchange.placement_routes; what each change sends the workflow is in api.exchange.programme_updates.

Every change is a Temporal Update on `exchange/{year}` with a validator, so a refusal comes back at once
with a field and a reason (mapped in api.errors) and an accepted change is durable before we answer.
These come from one or a few parties, never a crowd: applications (the crowd) are in
api.exchange.application_routes and never become Updates.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.access import access, may_see, require_acts_for, sees_everything
from api.auth import Principal
from api.callers import Caller
from api.deps import (
    CatalogDep,
    IdempotencyKeyDep,
    LimitQuery,
    OffsetQuery,
    ServicesDep,
    SessionDep,
    SettingsDep,
    TemporalDep,
)
from api.errors import error_responses, not_found
from api.exchange import calls as exchange_calls
from api.exchange import programme_updates, service
from api.exchange.errors import PROGRAMME_NOT_FOUND
from api.exchange.schemas import (
    PartnerPath,
    ProgrammeCreate,
    ProgrammeDetail,
    ProgrammePublic,
    ProgrammeSummary,
    ReplacementCreate,
    SelectionCreate,
    YearPath,
)
from api.local_time import MuseumZoneDep
from api.read_audit import record_read_apart
from api.schemas import Page
from domain.exchange import ExchangeState
from store.exchange import reads as exchange_reads

router = APIRouter(prefix="/api/v1/exchange/programmes", tags=["exchange"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 422, 503))
async def create_programme(
    body: ProgrammeCreate,
    principal: Annotated[Principal, access("staff")],
    zone: MuseumZoneDep,  # 👉 times sent without an offset are read in the museum's zone
    client: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> ProgrammePublic:
    """Open a year's Knowledge Exchange: starts its programme workflow (409 if the year exists)."""
    state = await service.open_programme(
        body, client=client, session=session, catalog=catalog, task_queue=settings.task_queue, by=principal
    )
    return service.programme_public(state)


@router.get("", responses=error_responses(401))
async def list_programmes(
    principal: Annotated[Principal, access("signed_in")],
    session: SessionDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[ProgrammeSummary]:
    """Programmes from the read model, newest year first; a partner key sees those it takes part in."""
    rows, total = await exchange_reads.list_programmes(session, limit=limit, offset=offset)
    items = []
    for row in rows:
        state = ExchangeState.model_validate(row.state)
        partner_ids = [p.partner_id for p in state.partners]
        if may_see(principal, partner_ids):
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
    if not sees_everything(principal):
        total = len(items)  # a partner's view is small: every programme it is in fits one page
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{year}", responses=error_responses(401, 403, 404, 422, 503))
async def read_programme(
    year: YearPath,
    principal: Annotated[Principal, access("staff")],
    services: ServicesDep,
) -> ProgrammeDetail:
    """The programme's live state and its dashboard: placements, budget, response rates, outcomes."""
    found = await service.programme_board(services, year)
    if found is None:
        raise not_found(PROGRAMME_NOT_FOUND)
    await record_read_apart(services.sessionmaker, principal, "programme_read", str(year))
    return ProgrammeDetail(
        **service.programme_public(found.state).model_dump(),
        live=found.live,
        live_reason=None if found.live else exchange_calls.NOT_LIVE,
        as_of=found.as_of,
        dashboard=found.board,
    )


@router.post("/{year}/partners/{partner_id}/confirm", responses=error_responses(401, 404, 409, 422, 503))
async def confirm_partner(
    year: YearPath,
    partner_id: PartnerPath,
    principal: Annotated[Principal, access("programme_partner")],
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """A partner (or staff for it) confirms it takes part this year, before its deadline."""
    state = await programme_updates.confirm_partner(Caller(client, principal, idempotency_key), year, partner_id)
    return service.programme_public(state)


@router.post("/{year}/partners/{partner_id}/replace", responses=error_responses(401, 403, 404, 409, 422, 503))
async def replace_partner(
    year: YearPath,
    partner_id: PartnerPath,
    body: ReplacementCreate,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Replace a partner that did not confirm in time with another organisation."""
    state = await programme_updates.replace_partner(
        Caller(client, principal, idempotency_key), session, year, partner_id, body
    )
    return service.programme_public(state)


@router.post("/{year}/applications/{application_id}/shortlist", responses=error_responses(401, 403, 404, 409, 503))
async def shortlist_application(
    year: YearPath,
    application_id: Annotated[str, Path(min_length=1, max_length=32)],
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Put an application on the shortlist (after the call has closed)."""
    state = await programme_updates.shortlist(Caller(client, principal, idempotency_key), session, year, application_id)
    return service.programme_public(state)


@router.post("/{year}/selections", responses=error_responses(401, 404, 409, 422, 503))
async def select_applicants(
    year: YearPath,
    body: SelectionCreate,
    principal: Annotated[Principal, access("programme_partner")],
    client: TemporalDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """A partner (or staff for it) picks the colleague it sends and the museum colleague it hosts."""
    require_acts_for(principal, body.partner_id)
    state = await programme_updates.select(Caller(client, principal, idempotency_key), session, year, body)
    return service.programme_public(state)
