"""Changes to a year's programme that partners and staff make, written once: the JSON routes (and any
page that offers them) call these, so the workflow gets one payload per change, with the caller as
actor, under the caller's update id (api.callers.Caller).

Shortlisting and selecting look the applications up first (the workflow needs their organisations)
and signal `note_application` again before their Update. Marking a case study is a database change
only, here too because the JSON route and the staff page both make it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.workflow import UpdateMethodMultiParam

from api.auth import Principal, audit_trail
from api.callers import Caller
from api.errors import UNKNOWN_PARTNER, ApiError, invalid, not_found
from api.exchange import calls as exchange_calls
from api.exchange.errors import APPLICATION_NOT_FOUND, PLACEMENT_NOT_FOUND
from api.exchange.schemas import MatchCreate, PlacementDatesUpdate, ReplacementCreate, SelectionCreate
from domain.exchange import (
    ApplicationReceived,
    ExchangeState,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PlacementDates,
    PlacementPlan,
    SelectionDecision,
    Shortlisting,
)
from store.exchange import reads as exchange_reads
from store.exchange import writes as exchange_writes
from store.partners import reads as partner_reads
from store.tables import ExchangeApplication
from workflows.exchange import ExchangeProgrammeWorkflow

P = TypeVar("P")
R = TypeVar("R")


async def _run(
    caller: Caller, year: int, update: UpdateMethodMultiParam[[ExchangeProgrammeWorkflow, P], R], payload: P, name: str
) -> R:
    """Run `update` with `payload`; `name` scopes the update id, so a retry is applied once."""
    return await exchange_calls.run_update(caller.client, year, update, payload, update_id=caller.update_id(name))


async def confirm_partner(caller: Caller, year: int, partner_id: str) -> ExchangeState:
    """A partner (or staff for it) confirms it takes part this year, before its deadline."""
    confirmation = PartnerConfirmation(partner_id=partner_id, actor=caller.actor())
    return await _run(caller, year, ExchangeProgrammeWorkflow.confirm_partner, confirmation, "confirm_partner")


async def replace_partner(
    caller: Caller, session: AsyncSession, year: int, partner_id: str, body: ReplacementCreate
) -> ExchangeState:
    """Replace a partner that did not confirm in time with another (registered) organisation."""
    if await partner_reads.get_partner(session, body.replacement_partner_id) is None:
        raise invalid("replacement_partner_id", "no partner has that id", UNKNOWN_PARTNER)
    replacement = PartnerReplacement(
        partner_id=partner_id, replacement_partner_id=body.replacement_partner_id, actor=caller.actor()
    )
    return await _run(caller, year, ExchangeProgrammeWorkflow.replace_partner, replacement, "replace_partner")


async def match_placements(caller: Caller, year: int, body: MatchCreate) -> ExchangeState:
    """Match selected applicants into five-day placements; each starts its own placement project."""
    plan = MatchPlan(
        placements=tuple(
            PlacementPlan(
                partner_id=p.partner_id, direction=p.direction, starts_on=p.starts_on, focus_areas=tuple(p.focus_areas)
            )
            for p in body.placements
        ),
        actor=caller.actor(),
    )
    return await _run(caller, year, ExchangeProgrammeWorkflow.match_placements, plan, "match_placements")


async def move_placement(caller: Caller, year: int, placement_id: str, body: PlacementDatesUpdate) -> ExchangeState:
    """Move a placement's five working days (within the placement window)."""
    dates = PlacementDates(placement_id=placement_id, starts_on=body.starts_on, actor=caller.actor())
    return await _run(caller, year, ExchangeProgrammeWorkflow.move_placement, dates, "move_placement")


async def _known_application(session: AsyncSession, year: int, application_id: str, field: str) -> ExchangeApplication:
    found = await exchange_reads.get_application(session, year, application_id)
    if found is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, APPLICATION_NOT_FOUND, field=field, reason=APPLICATION_NOT_FOUND)
    return found


async def _note(caller: Caller, year: int, application: ExchangeApplication) -> None:
    """Signal `note_application` again before an Update that names it: idempotent, and it mends a lost signal."""
    received = ApplicationReceived(application_id=application.id, organisation=application.organisation)
    await exchange_calls.signal_application(caller.client, year, received)


async def shortlist(caller: Caller, session: AsyncSession, year: int, application_id: str) -> ExchangeState:
    """Put an application on the shortlist (after the call has closed)."""
    application = await _known_application(session, year, application_id, "application_id")
    await _note(caller, year, application)
    shortlisting = Shortlisting(
        application_id=application.id, organisation=application.organisation, actor=caller.actor()
    )
    return await _run(caller, year, ExchangeProgrammeWorkflow.shortlist, shortlisting, "shortlist")


async def select(caller: Caller, session: AsyncSession, year: int, body: SelectionCreate) -> ExchangeState:
    """A partner's (or staff's for it) choice of the colleague it sends and the museum colleague it hosts."""
    outgoing = hosted = None
    if body.outgoing_application_id is not None:
        outgoing = await _known_application(session, year, body.outgoing_application_id, "outgoing_application_id")
    if body.hosted_application_id is not None:
        hosted = await _known_application(session, year, body.hosted_application_id, "hosted_application_id")
    for application in (a for a in (outgoing, hosted) if a is not None):
        await _note(caller, year, application)
    decision = SelectionDecision(
        partner_id=body.partner_id,
        outgoing_application_id=outgoing.id if outgoing else None,
        outgoing_organisation=outgoing.organisation if outgoing else None,
        hosted_application_id=hosted.id if hosted else None,
        hosted_organisation=hosted.organisation if hosted else None,
        actor=caller.actor(),
    )
    return await _run(caller, year, ExchangeProgrammeWorkflow.select_applicants, decision, "select_applicants")


async def mark_case_study(session: AsyncSession, year: int, placement_id: str, *, by: Principal) -> None:
    """Mark a placement as a case study, committed with who did it (the audit trail; idempotent); 404
    if the year has no such placement."""
    marked = await exchange_writes.mark_case_study(session, year, placement_id)
    if marked:
        await audit_trail(session, by, "case_study_marked", placement_id, datetime.now(UTC))
    await session.commit()
    if not marked:
        raise not_found(PLACEMENT_NOT_FOUND)
