"""domain.exchange_rules transitions: what confirming, lapsing, replacing, applying, selecting, matching
and moving change in ExchangeState, and the events they return."""

from __future__ import annotations

from datetime import date

from domain import exchange_rules as kx
from domain.exchange import (
    ApplicationReceived,
    Direction,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PartnerSlot,
    PartnerStatus,
    Phase,
    Placement,
    PlacementDates,
    PlacementPlan,
    SelectionDecision,
)
from tests.domain.builders import (
    KX_CONFIRM_BY,
    KX_CREATED,
    KX_PARTNERS,
    KX_WINDOW,
    STAFF,
    days,
    for_partner,
    hosted,
    outgoing,
    programme,
    selected,
    selecting,
)

MONDAY, WEDNESDAY = date(2027, 5, 10), date(2027, 5, 12)


def statuses(state) -> dict[str, PartnerStatus]:
    return {slot.partner_id: slot.status for slot in state.partners}


def match_all(state, partners: tuple[str, ...] = KX_PARTNERS) -> list[Placement]:
    """Match both placements of each of `partners`: in on MONDAY, out on WEDNESDAY."""
    items = [
        PlacementPlan(partner_id=p, direction=d, starts_on=MONDAY if d is Direction.TO_MUSEUM else WEDNESDAY)
        for p in partners
        for d in Direction
    ]
    return kx.match(state, MatchPlan(placements=tuple(items), actor=STAFF))


def test_a_new_programme_starts_confirming_with_every_partner_pending() -> None:
    state = programme()
    assert (state.year, state.phase, state.placement_window) == (2027, Phase.CONFIRMING, KX_WINDOW)
    assert state.partners == [PartnerSlot(partner_id=p, confirm_by=KX_CONFIRM_BY) for p in KX_PARTNERS]
    assert state.active_partner_ids() == list(KX_PARTNERS)
    assert state.confirmed_partner_ids() == []


def test_confirming_marks_the_partner_confirmed_at_that_moment() -> None:
    state = programme()
    now = KX_CREATED + days(3)
    event = kx.confirm(state, PartnerConfirmation(partner_id="mill", actor=for_partner("mill")), now)
    assert event == ("partner_confirmed", {"partner_id": "mill"})
    slot = state.slot("mill")
    assert slot is not None
    assert (slot.status, slot.confirmed_at) == (PartnerStatus.CONFIRMED, now)
    assert state.confirmed_partner_ids() == ["mill"]


def test_partners_still_pending_at_their_deadline_lapse_and_the_rest_are_untouched() -> None:
    state = programme(confirmed=("docks",))
    assert kx.lapse_unconfirmed(state, KX_CONFIRM_BY - days(0.001)) == []
    assert kx.lapse_unconfirmed(state, KX_CONFIRM_BY) == [
        ("partner_lapsed", {"partner_id": "mill"}),
        ("partner_lapsed", {"partner_id": "quay"}),
    ]
    assert statuses(state) == {
        "docks": PartnerStatus.CONFIRMED,
        "mill": PartnerStatus.LAPSED,
        "quay": PartnerStatus.LAPSED,
    }
    assert kx.lapse_unconfirmed(state, KX_CONFIRM_BY + days(30)) == []
    assert state.active_partner_ids() == ["docks"]


def test_a_replacement_joins_pending_with_fourteen_days_to_confirm() -> None:
    state = programme(confirmed=("docks", "quay"))
    kx.lapse_unconfirmed(state, KX_CONFIRM_BY)
    now = KX_CONFIRM_BY + days(2)
    change = PartnerReplacement(partner_id="mill", replacement_partner_id="harbour", actor=STAFF)
    assert kx.replace(state, change, now) == ("partner_replaced", {"partner_id": "mill", "replacement": "harbour"})
    mill = state.slot("mill")
    assert mill is not None
    assert (mill.status, mill.replaced_by) == (PartnerStatus.REPLACED, "harbour")
    assert state.slot("harbour") == PartnerSlot(partner_id="harbour", confirm_by=now + days(14))
    assert state.active_partner_ids() == ["docks", "quay", "harbour"]
    kx.check_confirm(state, PartnerConfirmation(partner_id="harbour", actor=for_partner("harbour")), now + days(14))


def test_noting_an_application_records_who_applied_where_once_per_id() -> None:
    state = programme()
    for application_id, organisation in [("a1", "docks"), ("a2", "museum"), ("a3", "docks"), ("a1", "docks")]:
        kx.note_application(state, ApplicationReceived(application_id=application_id, organisation=organisation))
    assert state.applications == {"a1": "docks", "a2": "museum", "a3": "docks"}
    assert state.applications_by_organisation() == {"docks": 2, "museum": 1}


def test_selecting_in_two_steps_keeps_both_choices_and_a_later_choice_replaces_its_own_kind() -> None:
    state = selecting()
    decide = SelectionDecision(
        partner_id="docks", outgoing_application_id=outgoing("docks"), actor=for_partner("docks")
    )
    assert kx.select(state, decide) == ("applicants_selected", {"partner_id": "docks"})
    kx.select(state, SelectionDecision(partner_id="docks", hosted_application_id=hosted("mill"), actor=STAFF))
    kx.select(state, SelectionDecision(partner_id="docks", hosted_application_id=hosted("docks"), actor=STAFF))
    assert len(state.selections) == 1
    chosen = state.selection("docks")
    assert chosen is not None
    assert (chosen.outgoing_application_id, chosen.hosted_application_id) == (outgoing("docks"), hosted("docks"))


def test_matching_creates_placements_with_deterministic_ids_and_five_working_days() -> None:
    state = selected(partners=("docks",))
    created = match_all(state, ("docks",))
    assert state.phase is Phase.PLACEMENTS
    assert created == state.placements
    assert [(p.id, p.project_id, p.direction, p.application_id, p.starts_on, p.ends_on) for p in created] == [
        ("kx2027-docks-in", "kx2027-docks-in", Direction.TO_MUSEUM, outgoing("docks"), MONDAY, date(2027, 5, 14)),
        ("kx2027-docks-out", "kx2027-docks-out", Direction.TO_PARTNER, hosted("docks"), WEDNESDAY, date(2027, 5, 18)),
    ]
    assert [(p.started, p.finished, p.case_study, p.focus_areas) for p in created] == [(False, False, False, [])] * 2
    assert kx.placement_project_id(2027, "docks", Direction.TO_PARTNER) == "kx2027-docks-out"


def test_a_match_keeps_the_focus_areas_of_its_plan() -> None:
    state = selected(partners=("mill",))
    focus = PlacementPlan(
        partner_id="mill", direction=Direction.TO_PARTNER, starts_on=MONDAY, focus_areas=("conservation", "archives")
    )
    (placement,) = kx.match(state, MatchPlan(placements=(focus,), actor=STAFF))
    assert (placement.id, placement.focus_areas) == ("kx2027-mill-out", ["conservation", "archives"])


def test_moving_a_placement_recomputes_its_end_over_the_weekend() -> None:
    state = selected(partners=("docks",))
    match_all(state, ("docks",))
    move = PlacementDates(placement_id="kx2027-docks-in", starts_on=date(2027, 6, 11), actor=STAFF)
    assert kx.move(state, move) == ("placement_moved", {"placement_id": "kx2027-docks-in", "starts_on": "2027-06-11"})
    placement = state.placement("kx2027-docks-in")
    assert placement is not None
    assert (placement.starts_on, placement.ends_on) == (date(2027, 6, 11), date(2027, 6, 17))
    other = state.placement("kx2027-docks-out")
    assert other is not None
    assert (other.starts_on, other.ends_on) == (WEDNESDAY, date(2027, 5, 18))


def test_everyone_is_placed_only_when_each_confirmed_partner_has_both_directions() -> None:
    state = selected()
    assert kx.everyone_placed(state) is False
    match_all(state, ("docks", "mill"))
    assert kx.everyone_placed(state) is False
    kx.match(
        state,
        MatchPlan(
            placements=(PlacementPlan(partner_id="quay", direction=Direction.TO_MUSEUM, starts_on=MONDAY),), actor=STAFF
        ),
    )
    assert kx.everyone_placed(state) is False
    kx.match(
        state,
        MatchPlan(
            placements=(PlacementPlan(partner_id="quay", direction=Direction.TO_PARTNER, starts_on=MONDAY),),
            actor=STAFF,
        ),
    )
    assert kx.everyone_placed(state) is True


def test_a_partner_that_lapsed_is_not_waited_for() -> None:
    state = selected(partners=("docks", "mill"), confirmed=("docks", "mill"))
    assert kx.lapse_unconfirmed(state, KX_CONFIRM_BY) == [("partner_lapsed", {"partner_id": "quay"})]
    match_all(state, ("docks", "mill"))
    assert kx.everyone_placed(state) is True


def test_the_selected_applications_are_those_placed_sorted_and_unique() -> None:
    state = selected()
    assert kx.selected_application_ids(state) == ()
    match_all(state, ("quay", "docks"))
    assert kx.selected_application_ids(state) == (
        "app-docks",
        "app-museum-for-docks",
        "app-museum-for-quay",
        "app-quay",
    )
