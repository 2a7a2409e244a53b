"""Rules of the Knowledge Exchange programme: who may do what when, and what it changes.

Checks raise `domain.rules.Refusal` (typed, with field and reason) exactly like the project
rules, so the API maps them the same way; transitions mutate ExchangeState and return the
event to record. Pure: the workflow supplies `now`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.exchange import (
    MUSEUM,
    ApplicationReceived,
    Direction,
    ExchangeChange,
    ExchangeEventType,
    ExchangeInput,
    ExchangeState,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PartnerSlot,
    PartnerStatus,
    Phase,
    Placement,
    PlacementDates,
    Selection,
    SelectionDecision,
    Shortlisting,
    working_days_from,
)
from domain.lifecycle import Party
from domain.rules import Refusal, RefusalKind

#: How long a replacement partner has to confirm.
REPLACEMENT_CONFIRM_WINDOW = timedelta(days=14)


def new_programme(start: ExchangeInput) -> ExchangeState:
    return ExchangeState(
        year=start.year,
        partners=[PartnerSlot(partner_id=p, confirm_by=start.confirm_by) for p in start.partner_ids],
        applications_opens_at=start.applications.opens_at,
        applications_closes_at=start.applications.closes_at,
        placement_window=start.placements,
        budget=start.budget,
        lead=start.lead,
    )


def placement_project_id(year: int, partner_id: str, direction: Direction) -> str:
    """Deterministic, so a retried match never starts a second project for the same placement."""
    return f"kx{year}-{partner_id}-{'in' if direction is Direction.TO_MUSEUM else 'out'}"


def _ended(state: ExchangeState) -> None:
    if state.phase is Phase.CLOSED:
        raise Refusal(RefusalKind.ENDED, "programme", f"the {state.year} programme has closed")


def _staff(actor_party: Party) -> None:
    if actor_party is not Party.STAFF:
        raise Refusal(RefusalKind.WRONG_PARTY, "actor", "only museum staff may do this")


def _acting_for(partner_id: str, confirmation_actor_party: Party, actor_partner_id: str | None) -> None:
    if confirmation_actor_party is Party.PARTNER and actor_partner_id != partner_id:
        raise Refusal(RefusalKind.WRONG_PARTY, "partner_id", "a partner acts only for itself")


def check_confirm(state: ExchangeState, confirmation: PartnerConfirmation, now: datetime) -> None:
    _ended(state)
    _acting_for(confirmation.partner_id, confirmation.actor.party, confirmation.actor.partner_id)
    slot = state.slot(confirmation.partner_id)
    if slot is None or slot.status is PartnerStatus.REPLACED:
        raise Refusal(RefusalKind.UNKNOWN, "partner_id", "this partner is not part of the programme")
    if slot.status is PartnerStatus.CONFIRMED:
        raise Refusal(RefusalKind.OUT_OF_TURN, "partner_id", "this partner has already confirmed")
    if slot.status is PartnerStatus.LAPSED or now > slot.confirm_by:
        raise Refusal(RefusalKind.OUT_OF_TURN, "partner_id", "the deadline to confirm has passed")


def confirm(state: ExchangeState, confirmation: PartnerConfirmation, now: datetime) -> ExchangeChange:
    slot = state.slot(confirmation.partner_id)
    assert slot is not None
    slot.status, slot.confirmed_at = PartnerStatus.CONFIRMED, now
    return ExchangeEventType.PARTNER_CONFIRMED, {"partner_id": slot.partner_id}


def check_replace(state: ExchangeState, replacement: PartnerReplacement) -> None:
    _ended(state)
    _staff(replacement.actor.party)
    slot = state.slot(replacement.partner_id)
    if slot is None:
        raise Refusal(RefusalKind.UNKNOWN, "partner_id", "this partner is not part of the programme")
    if slot.status is not PartnerStatus.LAPSED:
        raise Refusal(RefusalKind.OUT_OF_TURN, "partner_id", "only a partner that did not confirm in time is replaced")
    if state.slot(replacement.replacement_partner_id) is not None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "replacement_partner_id", "that partner is already in the programme")


def replace(state: ExchangeState, replacement: PartnerReplacement, now: datetime) -> ExchangeChange:
    slot = state.slot(replacement.partner_id)
    assert slot is not None
    slot.status, slot.replaced_by = PartnerStatus.REPLACED, replacement.replacement_partner_id
    state.partners.append(
        PartnerSlot(partner_id=replacement.replacement_partner_id, confirm_by=now + REPLACEMENT_CONFIRM_WINDOW)
    )
    return ExchangeEventType.PARTNER_REPLACED, {
        "partner_id": slot.partner_id,
        "replacement": replacement.replacement_partner_id,
    }


def lapse_unconfirmed(state: ExchangeState, now: datetime) -> list[ExchangeChange]:
    changes: list[ExchangeChange] = []
    for slot in state.partners:
        if slot.status is PartnerStatus.PENDING and slot.confirm_by <= now:
            slot.status = PartnerStatus.LAPSED
            changes.append((ExchangeEventType.PARTNER_LAPSED, {"partner_id": slot.partner_id}))
    return changes


def note_application(state: ExchangeState, application: ApplicationReceived) -> None:
    """Applications are validated and stored by the API; the programme only keeps who applied where."""
    state.applications[application.application_id] = application.organisation


def check_shortlist(state: ExchangeState, shortlisting: Shortlisting) -> None:
    _ended(state)
    _staff(shortlisting.actor.party)
    if state.phase is not Phase.SELECTION and state.phase is not Phase.PLACEMENTS:
        raise Refusal(RefusalKind.OUT_OF_TURN, "application_id", "shortlisting starts when applications close")
    if shortlisting.application_id not in state.applications:
        raise Refusal(RefusalKind.UNKNOWN, "application_id", "no such application this year")
    if shortlisting.application_id in state.shortlisted:
        raise Refusal(RefusalKind.OUT_OF_TURN, "application_id", "already shortlisted")


def check_selection(state: ExchangeState, decision: SelectionDecision) -> None:
    _ended(state)
    _acting_for(decision.partner_id, decision.actor.party, decision.actor.partner_id)
    if state.phase is not Phase.SELECTION and state.phase is not Phase.PLACEMENTS:
        raise Refusal(RefusalKind.OUT_OF_TURN, "partner_id", "selection starts when applications close")
    if decision.partner_id not in state.confirmed_partner_ids():
        raise Refusal(RefusalKind.OUT_OF_TURN, "partner_id", "only a confirmed partner selects")
    if decision.outgoing_application_id is None and decision.hosted_application_id is None:
        raise Refusal(RefusalKind.INVALID, "outgoing_application_id", "choose an outgoing or a hosted applicant")
    for field, application_id, organisation, direction in (
        ("outgoing_application_id", decision.outgoing_application_id, decision.partner_id, Direction.TO_MUSEUM),
        ("hosted_application_id", decision.hosted_application_id, MUSEUM, Direction.TO_PARTNER),
    ):
        if application_id is None:
            continue
        if matched(state, decision.partner_id, direction):
            # 👉 Issue 12: a placement keeps the applicant it was matched with; a later "selection"
            # would mark someone else selected while the placement runs with the first.
            raise Refusal(RefusalKind.OUT_OF_TURN, field, "this placement has already been matched")
        if state.applications.get(application_id) != organisation:
            who = "the museum's" if organisation == MUSEUM else "this partner's"
            raise Refusal(RefusalKind.INVALID, field, f"that is not one of {who} applications")
        if application_id not in state.shortlisted:
            raise Refusal(RefusalKind.OUT_OF_TURN, field, "only shortlisted applicants can be selected")
        for other in state.selections:
            if other.partner_id != decision.partner_id and application_id in (
                other.outgoing_application_id,
                other.hosted_application_id,
            ):
                raise Refusal(RefusalKind.OUT_OF_TURN, field, "that applicant is already selected by another partner")


def matched(state: ExchangeState, partner_id: str, direction: Direction) -> bool:
    """Whether the partner's placement in this direction exists (its selection is then settled)."""
    return any(p.partner_id == partner_id and p.direction is direction for p in state.placements)


def select(state: ExchangeState, decision: SelectionDecision) -> ExchangeChange:
    selection = state.selection(decision.partner_id)
    if selection is None:
        selection = Selection(partner_id=decision.partner_id)
        state.selections.append(selection)
    if decision.outgoing_application_id is not None:
        selection.outgoing_application_id = decision.outgoing_application_id
    if decision.hosted_application_id is not None:
        selection.hosted_application_id = decision.hosted_application_id
    return ExchangeEventType.APPLICANTS_SELECTED, {"partner_id": decision.partner_id}


def _check_dates(state: ExchangeState, starts_on: date, field: str) -> date:
    try:
        ends_on = working_days_from(starts_on)
    except ValueError as exc:
        raise Refusal(RefusalKind.INVALID, field, str(exc)) from None
    window = state.placement_window
    if starts_on < window.starts_on or ends_on > window.ends_on:
        raise Refusal(
            RefusalKind.INVALID,
            field,
            f"five working days from {starts_on.isoformat()} end {ends_on.isoformat()}, outside the placement "
            f"window {window.starts_on.isoformat()} to {window.ends_on.isoformat()}",
        )
    return ends_on


def check_match(state: ExchangeState, plan: MatchPlan) -> None:
    _ended(state)
    _staff(plan.actor.party)
    if state.phase is not Phase.SELECTION and state.phase is not Phase.PLACEMENTS:
        raise Refusal(RefusalKind.OUT_OF_TURN, "placements", "placements are matched after applications close")
    seen: set[tuple[str, Direction]] = set()
    for n, item in enumerate(plan.placements):
        field = f"placements.{n}"
        selection = state.selection(item.partner_id)
        application = None
        if selection is not None:
            application = (
                selection.outgoing_application_id
                if item.direction is Direction.TO_MUSEUM
                else selection.hosted_application_id
            )
        if application is None:
            raise Refusal(
                RefusalKind.OUT_OF_TURN, f"{field}.partner_id", "this partner has not selected that applicant"
            )
        key = (item.partner_id, item.direction)
        placed = placement_project_id(state.year, item.partner_id, item.direction)
        if key in seen or any(p.project_id == placed for p in state.placements):
            raise Refusal(RefusalKind.OUT_OF_TURN, f"{field}.direction", "that placement is already matched")
        seen.add(key)
        _check_dates(state, item.starts_on, f"{field}.starts_on")


def match(state: ExchangeState, plan: MatchPlan) -> list[Placement]:
    """Create the placements; each becomes a ProjectWorkflow on the placement template."""
    created: list[Placement] = []
    for item in plan.placements:
        selection = state.selection(item.partner_id)
        assert selection is not None
        application = (
            selection.outgoing_application_id
            if item.direction is Direction.TO_MUSEUM
            else selection.hosted_application_id
        )
        assert application is not None
        project_id = placement_project_id(state.year, item.partner_id, item.direction)
        placement = Placement(
            id=project_id,
            project_id=project_id,
            partner_id=item.partner_id,
            direction=item.direction,
            application_id=application,
            starts_on=item.starts_on,
            ends_on=working_days_from(item.starts_on),
            focus_areas=list(item.focus_areas),
        )
        state.placements.append(placement)
        created.append(placement)
    state.phase = Phase.PLACEMENTS
    return created


def check_move(state: ExchangeState, move: PlacementDates) -> None:
    _ended(state)
    _staff(move.actor.party)
    placement = state.placement(move.placement_id)
    if placement is None:
        raise Refusal(RefusalKind.UNKNOWN, "placement_id", "no such placement")
    if placement.finished:
        raise Refusal(RefusalKind.OUT_OF_TURN, "placement_id", "the placement has finished")
    _check_dates(state, move.starts_on, "starts_on")


def move(state: ExchangeState, move_: PlacementDates) -> ExchangeChange:
    placement = state.placement(move_.placement_id)
    assert placement is not None
    placement.starts_on, placement.ends_on = move_.starts_on, working_days_from(move_.starts_on)
    return ExchangeEventType.PLACEMENT_MOVED, {
        "placement_id": placement.id,
        "starts_on": placement.starts_on.isoformat(),
    }


def everyone_placed(state: ExchangeState) -> bool:
    """Every confirmed partner has both its placements matched."""
    placed = {(p.partner_id, p.direction) for p in state.placements}
    return bool(state.placements) and all(
        (partner, direction) in placed for partner in state.confirmed_partner_ids() for direction in Direction
    )


def selected_application_ids(state: ExchangeState) -> tuple[str, ...]:
    return tuple(sorted({p.application_id for p in state.placements}))
