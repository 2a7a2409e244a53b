"""domain.exchange_rules checks: each refuses with the right kind and field, and accepts the valid case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from domain import exchange_rules as kx
from domain.exchange import (
    ApplicationReceived,
    Direction,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    Phase,
    PlacementDates,
    PlacementPlan,
    SelectionDecision,
    Shortlisting,
)
from domain.rules import RefusalKind
from tests.domain.builders import (
    KX_CONFIRM_BY,
    STAFF,
    days,
    for_partner,
    hosted,
    outgoing,
    programme,
    refused,
    selected,
    selecting,
)

INVALID, OUT_OF_TURN, ENDED, WRONG_PARTY, UNKNOWN = (
    RefusalKind.INVALID,
    RefusalKind.OUT_OF_TURN,
    RefusalKind.ENDED,
    RefusalKind.WRONG_PARTY,
    RefusalKind.UNKNOWN,
)
BEFORE = KX_CONFIRM_BY - days(1)
MONDAY = date(2027, 5, 10)


def confirmation(partner_id: str = "docks", actor_id: str | None = None) -> PartnerConfirmation:
    actor = STAFF if actor_id == "staff" else for_partner(actor_id or partner_id)
    return PartnerConfirmation(partner_id=partner_id, actor=actor)


def replacement(partner_id: str = "docks", by: str = "harbour", actor=STAFF) -> PartnerReplacement:
    return PartnerReplacement(partner_id=partner_id, replacement_partner_id=by, actor=actor)


def choice(partner_id: str = "docks", out: str | None = None, host: str | None = None, actor=None) -> SelectionDecision:
    return SelectionDecision(
        partner_id=partner_id,
        outgoing_application_id=out,
        hosted_application_id=host,
        actor=actor or for_partner(partner_id),
    )


def plan(*items: tuple[str, Direction, date], actor=STAFF) -> MatchPlan:
    placements = tuple(PlacementPlan(partner_id=p, direction=d, starts_on=s) for p, d, s in items)
    return MatchPlan(placements=placements, actor=actor)


def test_a_partner_confirms_for_itself_before_its_deadline_and_staff_may_confirm_for_it() -> None:
    state = programme()
    kx.check_confirm(state, confirmation("docks"), KX_CONFIRM_BY)
    kx.check_confirm(state, confirmation("mill", "staff"), BEFORE)
    assert refused(lambda: kx.check_confirm(state, confirmation("mill", "docks"), BEFORE)) == (
        WRONG_PARTY,
        "partner_id",
    )


def test_a_confirmation_is_refused_when_unknown_repeated_late_or_lapsed() -> None:
    state = programme(confirmed=("docks",))
    assert refused(lambda: kx.check_confirm(state, confirmation("harbour"), BEFORE)) == (UNKNOWN, "partner_id")
    assert refused(lambda: kx.check_confirm(state, confirmation("docks"), BEFORE)) == (OUT_OF_TURN, "partner_id")
    late = KX_CONFIRM_BY + days(0.001)
    assert refused(lambda: kx.check_confirm(state, confirmation("mill"), late)) == (OUT_OF_TURN, "partner_id")
    kx.lapse_unconfirmed(state, KX_CONFIRM_BY)
    assert refused(lambda: kx.check_confirm(state, confirmation("mill"), BEFORE)) == (OUT_OF_TURN, "partner_id")
    kx.replace(state, replacement("mill"), KX_CONFIRM_BY)
    assert refused(lambda: kx.check_confirm(state, confirmation("mill"), BEFORE)) == (UNKNOWN, "partner_id")


def test_only_staff_replace_a_lapsed_partner_with_one_not_yet_in_the_programme() -> None:
    state = programme(confirmed=("docks",))
    assert refused(lambda: kx.check_replace(state, replacement("mill"))) == (OUT_OF_TURN, "partner_id")
    kx.lapse_unconfirmed(state, KX_CONFIRM_BY)
    kx.check_replace(state, replacement("mill"))
    assert refused(lambda: kx.check_replace(state, replacement("mill", actor=for_partner("mill")))) == (
        WRONG_PARTY,
        "actor",
    )
    assert refused(lambda: kx.check_replace(state, replacement("harbour"))) == (UNKNOWN, "partner_id")
    assert refused(lambda: kx.check_replace(state, replacement("docks"))) == (OUT_OF_TURN, "partner_id")
    assert refused(lambda: kx.check_replace(state, replacement("mill", by="docks"))) == (
        OUT_OF_TURN,
        "replacement_partner_id",
    )


def test_staff_shortlist_each_application_once_after_applications_close() -> None:
    listing = Shortlisting(application_id="app-new", organisation="docks", actor=STAFF)
    early = programme(confirmed=("docks",))
    assert refused(lambda: kx.check_shortlist(early, listing)) == (OUT_OF_TURN, "application_id")
    state = selecting()
    assert refused(lambda: kx.check_shortlist(state, listing)) == (UNKNOWN, "application_id")
    kx.note_application(state, ApplicationReceived(application_id="app-new", organisation="docks"))
    kx.check_shortlist(state, listing)
    partner_listing = listing.model_copy(update={"actor": for_partner("docks")})
    assert refused(lambda: kx.check_shortlist(state, partner_listing)) == (WRONG_PARTY, "actor")
    already = listing.model_copy(update={"application_id": outgoing("docks")})
    assert refused(lambda: kx.check_shortlist(state, already)) == (OUT_OF_TURN, "application_id")


def test_a_confirmed_partner_selects_its_own_applicant_and_a_museum_colleague_to_host() -> None:
    state = selecting(confirmed=("docks", "mill"))
    kx.check_selection(state, choice(out=outgoing("docks"), host=hosted("docks")))
    kx.check_selection(state, choice(host=hosted("docks"), actor=STAFF))
    checks: dict[str, Callable[[], None]] = {
        "for another partner": lambda: kx.check_selection(
            state, choice("mill", out=outgoing("mill"), actor=for_partner("docks"))
        ),
        "unconfirmed partner": lambda: kx.check_selection(state, choice("quay", out=outgoing("quay"))),
        "nobody chosen": lambda: kx.check_selection(state, choice()),
        "another partner's applicant": lambda: kx.check_selection(state, choice(out=outgoing("mill"))),
        "a partner applicant hosted": lambda: kx.check_selection(state, choice(host=outgoing("docks"))),
    }
    assert {name: refused(check) for name, check in checks.items()} == {
        "for another partner": (WRONG_PARTY, "partner_id"),
        "unconfirmed partner": (OUT_OF_TURN, "partner_id"),
        "nobody chosen": (INVALID, "outgoing_application_id"),
        "another partner's applicant": (INVALID, "outgoing_application_id"),
        "a partner applicant hosted": (INVALID, "hosted_application_id"),
    }


def test_selection_needs_closed_applications_a_shortlisted_applicant_and_one_not_taken() -> None:
    early = programme(confirmed=("docks",))
    assert refused(lambda: kx.check_selection(early, choice(out=outgoing("docks")))) == (OUT_OF_TURN, "partner_id")
    state = selected(partners=("mill",))
    kx.note_application(state, ApplicationReceived(application_id="app-docks-late", organisation="docks"))
    assert refused(lambda: kx.check_selection(state, choice(out="app-docks-late"))) == (
        OUT_OF_TURN,
        "outgoing_application_id",
    )
    assert refused(lambda: kx.check_selection(state, choice(host=hosted("mill")))) == (
        OUT_OF_TURN,
        "hosted_application_id",
    )
    kx.check_selection(state, choice("mill", host=hosted("docks")))  # a partner may change its own choice


def test_staff_match_selected_applicants_to_weekday_starts_inside_the_window() -> None:
    state = selected(partners=("docks",))
    kx.check_match(
        state, plan(("docks", Direction.TO_MUSEUM, MONDAY), ("docks", Direction.TO_PARTNER, date(2027, 9, 24)))
    )
    one = ("docks", Direction.TO_MUSEUM, MONDAY)
    assert refused(lambda: kx.check_match(state, plan(one, actor=for_partner("docks")))) == (WRONG_PARTY, "actor")
    assert refused(lambda: kx.check_match(programme(("docks",)), plan(one))) == (OUT_OF_TURN, "placements")


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (("mill", Direction.TO_MUSEUM, MONDAY), (OUT_OF_TURN, "placements.1.partner_id")),
        (("docks", Direction.TO_MUSEUM, date(2027, 6, 7)), (OUT_OF_TURN, "placements.1.direction")),
        (("docks", Direction.TO_PARTNER, date(2027, 5, 15)), (INVALID, "placements.1.starts_on")),
        (("docks", Direction.TO_PARTNER, date(2027, 4, 2)), (INVALID, "placements.1.starts_on")),
        (("docks", Direction.TO_PARTNER, date(2027, 9, 27)), (INVALID, "placements.1.starts_on")),
    ],
)
def test_a_match_names_the_placement_that_is_unselected_repeated_or_misdated(second, expected) -> None:
    state = selected(partners=("docks",))
    assert refused(lambda: kx.check_match(state, plan(("docks", Direction.TO_MUSEUM, MONDAY), second))) == expected


def test_a_partner_with_only_an_outgoing_choice_cannot_be_matched_to_host() -> None:
    state = selecting()
    kx.select(state, choice(out=outgoing("docks")))
    assert refused(lambda: kx.check_match(state, plan(("docks", Direction.TO_PARTNER, MONDAY)))) == (
        OUT_OF_TURN,
        "placements.0.partner_id",
    )


def test_a_placement_already_matched_is_not_matched_again() -> None:
    state = selected(partners=("docks",))
    kx.match(state, plan(("docks", Direction.TO_MUSEUM, MONDAY)))
    assert refused(lambda: kx.check_match(state, plan(("docks", Direction.TO_MUSEUM, MONDAY)))) == (
        OUT_OF_TURN,
        "placements.0.direction",
    )


def test_staff_move_an_unfinished_placement_to_valid_dates() -> None:
    state = selected(partners=("docks",))
    (placement,) = kx.match(state, plan(("docks", Direction.TO_MUSEUM, MONDAY)))
    moving = PlacementDates(placement_id=placement.id, starts_on=date(2027, 6, 7), actor=STAFF)
    kx.check_move(state, moving)
    assert refused(lambda: kx.check_move(state, moving.model_copy(update={"actor": for_partner("docks")}))) == (
        WRONG_PARTY,
        "actor",
    )
    assert refused(lambda: kx.check_move(state, moving.model_copy(update={"placement_id": "kx2027-mill-in"}))) == (
        UNKNOWN,
        "placement_id",
    )
    assert refused(lambda: kx.check_move(state, moving.model_copy(update={"starts_on": date(2027, 6, 6)}))) == (
        INVALID,
        "starts_on",
    )
    placement.finished = True
    assert refused(lambda: kx.check_move(state, moving)) == (OUT_OF_TURN, "placement_id")


def test_a_closed_programme_refuses_every_input() -> None:
    state = selected()
    (placement,) = kx.match(state, plan(("docks", Direction.TO_MUSEUM, MONDAY)))
    state.phase = Phase.CLOSED
    checks: list[Callable[[], None]] = [
        lambda: kx.check_confirm(state, confirmation("docks"), BEFORE),
        lambda: kx.check_replace(state, replacement("docks")),
        lambda: kx.check_shortlist(state, Shortlisting(application_id="x", organisation="docks", actor=STAFF)),
        lambda: kx.check_selection(state, choice(out=outgoing("docks"))),
        lambda: kx.check_match(state, plan(("mill", Direction.TO_MUSEUM, MONDAY))),
        lambda: kx.check_move(state, PlacementDates(placement_id=placement.id, starts_on=MONDAY, actor=STAFF)),
    ]
    assert {refused(check) for check in checks} == {(ENDED, "programme")}


def test_after_matching_a_partner_may_not_change_who_a_placement_takes() -> None:
    """Issue 12: the selection form is gone after matching, and the rule behind it holds over the API too."""
    state = selected(partners=("docks",))
    kx.match(state, plan(("docks", Direction.TO_MUSEUM, MONDAY)))
    kx.note_application(state, ApplicationReceived(application_id="app-docks-2", organisation="docks"))
    state.shortlisted.append("app-docks-2")
    assert refused(lambda: kx.check_selection(state, choice(out="app-docks-2"))) == (
        OUT_OF_TURN,
        "outgoing_application_id",
    )
    assert kx.matched(state, "docks", Direction.TO_MUSEUM) and not kx.matched(state, "docks", Direction.TO_PARTNER)
    kx.check_selection(state, choice(host=hosted("docks")))  # the direction not yet matched stays open
