"""Who may do each Update, checked by the domain rules every workflow validator runs (issue 13).

One table per workflow: for every Update (bar workshop and display, in test_who_acts.py), the
rightful actor passes in a state where the input is in turn, and every other party is refused
`WrongParty`, so the workflow is as strict as the API (staff-only routes stay staff-only, a partner
acts only for itself and only in its own project) and never stricter (the rightful actor passes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import pytest

from domain import exchange_rules as kx
from domain import rules, transitions
from domain.durations import IsoDuration
from domain.exchange import (
    ApplicationReceived,
    Direction,
    ExchangeState,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PlacementDates,
    PlacementPlan,
    SelectionDecision,
    Shortlisting,
)
from domain.follow_up import FollowUpState, Reschedule, WavePlan, WaveState, WaveStatus
from domain.lifecycle import Party, Stage
from domain.rules import RefusalKind
from domain.state import ProjectState
from domain.submissions import Actor, Attendance, MilestoneSubmission, WorkshopCancellation
from tests.domain.builders import (
    KX_CONFIRM_BY,
    PARTNER,
    STAFF,
    STRANGER,
    T0,
    at_stage,
    days,
    for_partner,
    hosted,
    outgoing,
    programme,
    refused,
    review,
    selected,
    selecting,
    session,
    submit,
    template,
)

WRONG = RefusalKind.WRONG_PARTY
#: A partner key that names no organisation: never the rightful actor for anything.
NAMELESS_PARTNER = Actor(party=Party.PARTNER, label="Nobody in particular")
Check = Callable[[Actor], None]


def _workshops() -> ProjectState:
    """In workshops, with one session (held by T0 + 8 days) and the partner's object selection awaiting review."""
    state = at_stage(template(), Stage.WORKSHOPS)
    transitions.add_workshop(state, session(T0 + days(7)))
    submit(state, "object_selection", T0)
    return state


def _paused() -> ProjectState:
    state = _workshops()
    transitions.pause(state, "", T0)
    return state


def _follow_up_waves() -> FollowUpState:
    due = T0 + days(90)
    plan = WavePlan(index=0, offset=IsoDuration("P3M"), due_at=due, reminders_at=(), closes_at=due + days(14))
    return FollowUpState(
        project_id="project-1",
        anchor_at=T0,
        timezone="Europe/London",
        policy=template().follow_up,
        waves=[WaveState(plan=plan, status=WaveStatus.SCHEDULED)],
    )


PROJECT_STAFF_ONLY: dict[str, Check] = {
    "review_milestone": lambda a: rules.check_review(template(), _workshops(), review("object_selection", actor=a)),
    "record_attendance": lambda a: rules.check_attendance(
        _workshops(), Attendance(workshop_id="w1", attendance=9, actor=a), T0 + days(8)
    ),
    "cancel_workshop": lambda a: rules.check_cancel_workshop(
        _workshops(), WorkshopCancellation(workshop_id="w1", reason="Flooded", actor=a)
    ),
    "pause": lambda a: rules.check_pause(_workshops(), a),
    "resume": lambda a: rules.check_resume(_paused(), a),
    "withdraw": lambda a: rules.check_withdraw(_workshops(), a, "Funding ended"),
    "close": lambda a: rules.check_close(at_stage(template(), Stage.FOLLOW_UP), a),
    "set_follow_up_schedule": lambda a: rules.check_follow_up_schedule(
        _workshops(), Reschedule(offsets=(IsoDuration("P6M"),), actor=a)
    ),
    "reschedule (FollowUpWorkflow)": lambda a: rules.check_reschedule(
        _follow_up_waves(), Reschedule(offsets=(IsoDuration("P6M"),), actor=a)
    ),
}


@pytest.mark.parametrize("update", sorted(PROJECT_STAFF_ONLY))
def test_a_staff_only_project_update_passes_staff_and_refuses_every_partner(update: str) -> None:
    check = PROJECT_STAFF_ONLY[update]
    check(STAFF)
    for actor in (PARTNER, STRANGER, NAMELESS_PARTNER):
        assert refused(partial(check, actor)) == (WRONG, "actor"), (update, actor.label)


def test_a_follow_up_change_naming_nobody_is_refused() -> None:
    nobody = Reschedule(offsets=(IsoDuration("P6M"),))
    assert refused(lambda: rules.check_follow_up_schedule(_workshops(), nobody)) == (WRONG, "actor")
    assert refused(lambda: rules.check_reschedule(_follow_up_waves(), nobody)) == (WRONG, "actor")


def test_a_milestone_is_submitted_only_by_its_party_and_a_partner_only_to_its_own_project() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.PARTNERSHIP)

    def submission(key: str, actor: Actor, on_behalf_of: str | None = None) -> Callable[[], None]:
        sent = MilestoneSubmission(milestone_key=key, actor=actor, summary="Here.", on_behalf_of=on_behalf_of)
        return lambda: rules.check_submission(tpl, state, sent)

    submission("partnership_agreement", PARTNER)()
    submission("access_needs", STAFF)()
    submission("partnership_agreement", STAFF, on_behalf_of=PARTNER.partner_id)()
    assert {
        "partner of another project": refused(submission("partnership_agreement", STRANGER)),
        "partner naming no organisation": refused(submission("partnership_agreement", NAMELESS_PARTNER)),
        "partner, staff's milestone": refused(submission("access_needs", PARTNER)),
        "staff, partner's milestone": refused(submission("partnership_agreement", STAFF)),
        "partner acting for a partner": refused(
            submission("partnership_agreement", PARTNER, on_behalf_of=PARTNER.partner_id)
        ),
    } == {
        "partner of another project": (WRONG, "actor"),
        "partner naming no organisation": (WRONG, "actor"),
        "partner, staff's milestone": (WRONG, "milestone_key"),
        "staff, partner's milestone": (WRONG, "milestone_key"),
        "partner acting for a partner": (WRONG, "on_behalf_of"),
    }


# -- ExchangeProgrammeWorkflow -------------------------------------------------------------------

MONDAY = date(2027, 5, 10)
BEFORE_DEADLINE = KX_CONFIRM_BY - days(1)


def _lapsed() -> ExchangeState:
    state = programme(confirmed=("docks",))
    kx.lapse_unconfirmed(state, KX_CONFIRM_BY)
    return state


def _docks_in(actor: Actor) -> MatchPlan:
    """Match docks' own colleague into a week at the museum."""
    return MatchPlan(
        placements=(PlacementPlan(partner_id="docks", direction=Direction.TO_MUSEUM, starts_on=MONDAY),), actor=actor
    )


def _matched() -> ExchangeState:
    state = selected(partners=("docks",))
    kx.match(state, _docks_in(STAFF))
    return state


def _shortlisting() -> ExchangeState:
    state = selecting()
    kx.note_application(state, ApplicationReceived(application_id="app-new", organisation="docks"))
    return state


EXCHANGE_STAFF_ONLY: dict[str, Check] = {
    "replace_partner": lambda a: kx.check_replace(
        _lapsed(), PartnerReplacement(partner_id="mill", replacement_partner_id="harbour", actor=a)
    ),
    "shortlist": lambda a: kx.check_shortlist(
        _shortlisting(), Shortlisting(application_id="app-new", organisation="docks", actor=a)
    ),
    "match_placements": lambda a: kx.check_match(selected(partners=("docks",)), _docks_in(a)),
    "move_placement": lambda a: kx.check_move(
        _matched(), PlacementDates(placement_id="kx2027-docks-in", starts_on=date(2027, 6, 7), actor=a)
    ),
}


@pytest.mark.parametrize("update", sorted(EXCHANGE_STAFF_ONLY))
def test_a_staff_only_programme_update_passes_staff_and_refuses_every_partner_even_one_in_the_programme(
    update: str,
) -> None:
    check = EXCHANGE_STAFF_ONLY[update]
    check(STAFF)
    for actor in (for_partner("docks"), for_partner("mill"), NAMELESS_PARTNER):
        assert refused(partial(check, actor)) == (WRONG, "actor"), (update, actor.label)


EXCHANGE_FOR_A_PARTNER: dict[str, Callable[[str, Actor], None]] = {
    "confirm_partner": lambda p, a: kx.check_confirm(
        programme(), PartnerConfirmation(partner_id=p, actor=a), BEFORE_DEADLINE
    ),
    "select_applicants": lambda p, a: kx.check_selection(
        selecting(),
        SelectionDecision(partner_id=p, outgoing_application_id=outgoing(p), hosted_application_id=hosted(p), actor=a),
    ),
}


@pytest.mark.parametrize("update", sorted(EXCHANGE_FOR_A_PARTNER))
def test_a_partner_confirms_or_selects_only_for_itself_and_staff_for_any_partner(update: str) -> None:
    check = EXCHANGE_FOR_A_PARTNER[update]
    check("docks", for_partner("docks"))
    check("docks", STAFF)
    for actor in (for_partner("mill"), for_partner("harbour"), NAMELESS_PARTNER):
        assert refused(partial(check, "docks", actor)) == (WRONG, "partner_id"), (update, actor.label)
