"""Knowledge Exchange: the code paths behind the JSON routes and the pages (one each, so both refuse alike).

- Opening a year starts `exchange/{year}` pinned to the latest placement template, then writes the
  programme's read-model row at once, best effort (its first activity writes the same row).
- An application is checked against the programme's row (window by date, eligibility, organisation),
  stored in ONE transaction (the unique key refuses a second by the same person), and only then
  signalled to the programme, best effort: a signal failure never fails a stored application.
  Applications arrive in bursts near the deadline, so they never become Updates on the one workflow.
- Shortlisting and selection, like every other change to a programme, are in
  api.exchange.programme_updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from fastapi import status
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.access import sees_everything
from api.app_services import AppServices
from api.auth import Principal
from api.errors import UNKNOWN_PARTNER, ApiError, invalid, not_found
from api.exchange import calls as exchange_calls
from api.exchange.dashboard import dashboard
from api.exchange.dashboard_schemas import DashboardPublic
from api.exchange.errors import (
    ALREADY_APPLIED,
    CALL_CLOSED,
    CALL_NOT_OPEN,
    CALL_REFUSED,
    NOT_A_PARTNER,
    PROGRAMME_NOT_FOUND,
    VOLUNTEERS_NOT_ELIGIBLE,
)
from api.exchange.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    PartnerSlotPublic,
    ProgrammeCreate,
    ProgrammePublic,
)
from domain import exchange_rules as rules
from domain.exchange import (
    MUSEUM,
    ApplicationReceived,
    Employment,
    ExchangeInput,
    ExchangeState,
    PartnerStatus,
    PlacementWindow,
    ProgrammeWindow,
)
from domain.templates import TemplateCatalog
from store.exchange import reads as exchange_reads
from store.exchange import writes as exchange_writes
from store.partners import reads as partner_reads
from store.tables import ExchangeApplication

log = structlog.get_logger("engage.api")

PLACEMENT_TEMPLATE = "knowledge-exchange-placement"


@dataclass(frozen=True)
class ProgrammeBoard:
    """A programme as staff read it: its state (`live`: from the workflow, else the read model's) and dashboard."""

    state: ExchangeState
    live: bool
    board: DashboardPublic
    as_of: datetime


async def programme_board(services: AppServices, year: int) -> ProgrammeBoard | None:
    """The staff view of a year, for the JSON route and the staff dashboard page; None: no such programme."""
    found = await exchange_calls.programme_state(services.client, services.sessionmaker, year)
    if found is None:
        return None
    state, live = found
    as_of = datetime.now(UTC)
    # 👉 A session of its own, opened after the Temporal read: no pooled connection waits on Temporal.
    async with services.sessionmaker() as session:
        board = await dashboard(session, state, services.instruments, as_of, services.catalog)
    return ProgrammeBoard(state, live, board, as_of)


def programme_public(state: ExchangeState) -> ProgrammePublic:
    return ProgrammePublic(
        year=state.year,
        phase=state.phase,
        partners=[PartnerSlotPublic.model_validate(p.model_dump()) for p in state.partners],
        applications_opens_at=state.applications_opens_at,
        applications_closes_at=state.applications_closes_at,
        placement_starts_on=state.placement_window.starts_on,
        placement_ends_on=state.placement_window.ends_on,
        budget=state.budget,
        applications_received=len(state.applications),
        applications_by_organisation=state.applications_by_organisation(),
        shortlisted=list(state.shortlisted),
        selections=list(state.selections),
        placements=list(state.placements),
        applicants_told=state.applicants_told,
    )


async def open_programme(
    body: ProgrammeCreate,
    *,
    client: Client,
    session: AsyncSession,
    catalog: TemplateCatalog,
    task_queue: str,
    by: Principal,
) -> ExchangeState:
    """Start the year's programme; raise ApiError when refused (409 when the year exists). `by` travels
    in the start input: the programme's `programme_opened` event names them (the audit trail)."""
    template = catalog.latest(PLACEMENT_TEMPLATE)
    if template is None:  # a broken deployment, not the caller's fault
        raise RuntimeError(f"the {PLACEMENT_TEMPLATE} template is not shipped")
    missing = await partner_reads.missing_partner_ids(session, body.partner_ids)
    if missing:
        raise invalid("partner_ids", f"no partner has the id {missing[0]!r}", UNKNOWN_PARTNER)
    now = datetime.now(UTC)
    start = ExchangeInput(
        year=body.year,
        partner_ids=tuple(body.partner_ids),
        confirm_by=body.confirm_by,
        applications=ProgrammeWindow(
            opens_at=body.application_window.opens_at, closes_at=body.application_window.closes_at
        ),
        placements=PlacementWindow(starts_on=body.placement_window.starts_on, ends_on=body.placement_window.ends_on),
        budget=body.budget,
        lead=body.lead,
        placement_template=template,
        created_at=now,
        created_by=by.actor(),
    )
    # 👉 The start is the durable acceptance; WorkflowAlreadyStartedError (the year exists) is a 409.
    await exchange_calls.start_programme(client, start, task_queue=task_queue)
    state = rules.new_programme(start)
    try:
        await exchange_writes.insert_programme(session, state, now)
        await session.commit()
    except (SQLAlchemyError, OSError) as exc:
        log.warning("programme_row_deferred", year=body.year, error=type(exc).__name__)
    return state


# -- applications --------------------------------------------------------------------------------


def _window_refusal(state: ExchangeState, now: datetime) -> ApiError | None:
    if now < state.applications_opens_at:
        reason = CALL_NOT_OPEN
    elif now >= state.applications_closes_at:
        reason = CALL_CLOSED
    else:
        return None
    return ApiError(status.HTTP_409_CONFLICT, CALL_REFUSED, field="application_window", reason=reason, error="closed")


def check_application(state: ExchangeState, body: ApplicationCreate, now: datetime) -> None:
    """Refuse an application the programme cannot take: window, eligibility, organisation (in that order)."""
    refusal = _window_refusal(state, now)
    if refusal is not None:
        raise refusal
    if body.employment is Employment.VOLUNTEER:
        raise invalid("employment", VOLUNTEERS_NOT_ELIGIBLE)
    taking_part = [p.partner_id for p in state.partners if p.status in (PartnerStatus.PENDING, PartnerStatus.CONFIRMED)]
    if body.organisation != MUSEUM and body.organisation not in taking_part:
        raise invalid("organisation", NOT_A_PARTNER)


async def programme_row_state(session: AsyncSession, year: int) -> ExchangeState:
    row = await exchange_reads.get_programme(session, year)
    if row is None:
        raise not_found(PROGRAMME_NOT_FOUND)
    return ExchangeState.model_validate(row.state)


@dataclass(frozen=True)
class Applied:
    application: ExchangeApplication
    signalled: bool


async def submit_application(year: int, body: ApplicationCreate, *, client: Client, session: AsyncSession) -> Applied:
    """Validate, store (one transaction), then signal the programme (best effort, after the commit)."""
    now = datetime.now(UTC)
    state = await programme_row_state(session, year)
    check_application(state, body, now)
    stored = await exchange_writes.add_application(
        session,
        year,
        exchange_writes.NewApplication(
            organisation=body.organisation,
            name=body.name,
            email=body.email,
            role=body.role,
            employment=body.employment.value,
            statement_of_benefit=body.statement_of_benefit,
            hoped_gains=body.hoped_gains,
            offer=body.offer,
            preferred_areas=list(body.preferred_areas),
            access_needs=body.access_needs,
            availability=body.availability,
        ),
        now,
    )
    await session.commit()
    if stored is None:
        raise ApiError(status.HTTP_409_CONFLICT, ALREADY_APPLIED, field="email", reason=ALREADY_APPLIED)
    received = ApplicationReceived(application_id=stored.id, organisation=stored.organisation)
    return Applied(stored, await exchange_calls.signal_application(client, year, received))


def application_public(application: ExchangeApplication, *, full: bool) -> ApplicationPublic:
    return ApplicationPublic(
        id=application.id,
        year=application.year,
        organisation=application.organisation,
        name=application.name,
        email=application.email if full else None,
        role=application.role,
        employment=application.employment,
        statement_of_benefit=application.statement_of_benefit,
        hoped_gains=application.hoped_gains,
        offer=application.offer,
        preferred_areas=list(application.preferred_areas),
        access_needs=application.access_needs if full else None,
        availability=application.availability,
        submitted_at=application.submitted_at,
        status=application.status,
    )


async def visible_applications(
    session: AsyncSession,
    year: int,
    principal: Principal,
    *,
    organisation: str | None = None,
    status_: str | None = None,
) -> list[ApplicationPublic]:
    """Staff: all (or only one organisation's, or one status: the staff page's filters). A partner: its own
    organisation's in full, and the museum colleagues shortlisted (or selected) for it to choose whom to
    host, without their e-mail or access needs."""
    if sees_everything(principal):
        found = await exchange_reads.list_applications(
            session,
            year,
            organisations=[organisation] if organisation else None,
            statuses=[status_] if status_ else None,
        )
        return [application_public(a, full=True) for a in found]
    assert principal.partner_id is not None
    own = await exchange_reads.list_applications(session, year, organisations=[principal.partner_id])
    hostable = await exchange_reads.list_applications(
        session, year, organisations=[MUSEUM], statuses=["shortlisted", "selected"]
    )
    return [application_public(a, full=True) for a in own] + [application_public(a, full=False) for a in hostable]


async def read_application(session: AsyncSession, year: int, application_id: str) -> ApplicationPublic | None:
    """One application in full (staff), or None: the staff page reads it as the JSON list shows it."""
    found = await exchange_reads.get_application(session, year, application_id)
    return application_public(found, full=True) if found is not None else None
