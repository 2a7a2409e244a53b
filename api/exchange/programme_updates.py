"""Changes to a year's programme that partners and staff make, written once: the JSON routes (and any
page that offers them) call these, so the workflow gets one payload per change, with the caller as
actor, under the update id `api.temporal_calls.update_id` derives from an Idempotency-Key.

Shortlisting and selecting, which first check the applications in the database, are in
api.exchange.service (`shortlist`, `select`). Marking a case study is a database change only, here
too because the JSON route and the staff page both make it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.auth import Principal
from api.errors import UNKNOWN_PARTNER, invalid, not_found
from api.exchange import calls as exchange_calls
from api.exchange.errors import PLACEMENT_NOT_FOUND
from api.exchange.schemas import MatchCreate, PlacementDatesUpdate, ReplacementCreate
from api.temporal_calls import update_id
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


async def confirm_partner(
    client: Client, year: int, partner_id: str, principal: Principal, idempotency_key: str | None
) -> ExchangeState:
    """A partner (or staff for it) confirms it takes part this year, before its deadline."""
    confirmation = PartnerConfirmation(partner_id=partner_id, actor=principal.actor())
    return await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.confirm_partner,
        confirmation,
        update_id=update_id("confirm_partner", principal, idempotency_key),
    )


async def replace_partner(
    client: Client,
    session: AsyncSession,
    year: int,
    partner_id: str,
    body: ReplacementCreate,
    principal: Principal,
    idempotency_key: str | None,
) -> ExchangeState:
    """Replace a partner that did not confirm in time with another (registered) organisation."""
    if await partner_reads.get_partner(session, body.replacement_partner_id) is None:
        raise invalid("replacement_partner_id", "no partner has that id", UNKNOWN_PARTNER)
    replacement = PartnerReplacement(
        partner_id=partner_id, replacement_partner_id=body.replacement_partner_id, actor=principal.actor()
    )
    return await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.replace_partner,
        replacement,
        update_id=update_id("replace_partner", principal, idempotency_key),
    )


async def match_placements(
    client: Client, year: int, body: MatchCreate, principal: Principal, idempotency_key: str | None
) -> ExchangeState:
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
    return await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.match_placements,
        plan,
        update_id=update_id("match_placements", principal, idempotency_key),
    )


async def move_placement(
    client: Client,
    year: int,
    placement_id: str,
    body: PlacementDatesUpdate,
    principal: Principal,
    idempotency_key: str | None,
) -> ExchangeState:
    """Move a placement's five working days (within the placement window)."""
    dates = PlacementDates(placement_id=placement_id, starts_on=body.starts_on, actor=principal.actor())
    return await exchange_calls.run_update(
        client,
        year,
        ExchangeProgrammeWorkflow.move_placement,
        dates,
        update_id=update_id("move_placement", principal, idempotency_key),
    )


async def mark_case_study(session: AsyncSession, year: int, placement_id: str) -> None:
    """Mark a placement as a case study, committed (idempotent); 404 if the year has no such placement."""
    marked = await exchange_writes.mark_case_study(session, year, placement_id)
    await session.commit()
    if not marked:
        raise not_found(PLACEMENT_NOT_FOUND)
