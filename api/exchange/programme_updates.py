"""Changes to a year's programme that partners and staff make, written once: the JSON routes (and any
page that offers them) call these, so the workflow gets one payload per change, with the caller as
actor, under the caller's update id (api.callers.Caller).

Shortlisting and selecting, which first check the applications in the database, are in
api.exchange.service (`shortlist`, `select`). Marking a case study is a database change only, here
too because the JSON route and the staff page both make it.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.workflow import UpdateMethodMultiParam

from api.callers import Caller
from api.errors import UNKNOWN_PARTNER, invalid, not_found
from api.exchange import calls as exchange_calls
from api.exchange.errors import PLACEMENT_NOT_FOUND
from api.exchange.schemas import MatchCreate, PlacementDatesUpdate, ReplacementCreate
from domain.exchange import (
    ExchangeState,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PlacementDates,
    PlacementPlan,
)
from store.exchange import writes as exchange_writes
from store.partners import reads as partner_reads
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


async def mark_case_study(session: AsyncSession, year: int, placement_id: str) -> None:
    """Mark a placement as a case study, committed (idempotent); 404 if the year has no such placement."""
    marked = await exchange_writes.mark_case_study(session, year, placement_id)
    await session.commit()
    if not marked:
        raise not_found(PLACEMENT_NOT_FOUND)
