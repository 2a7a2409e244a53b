"""domain.rules: every check refuses with the right kind and field, accepts the valid case, and
`available_actions` offers exactly what the checks would allow."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from domain import rules, transitions
from domain.lifecycle import Stage
from domain.rules import AvailableAction, Refusal, RefusalKind
from domain.state import ProjectState
from domain.submissions import Attendance, Decision
from tests.domain.builders import (
    PARTNER,
    STAFF,
    STRANGER,
    T0,
    at_stage,
    days,
    plan,
    review,
    session,
    started,
    submission,
    submit,
    template,
)


def refused(check: Callable[[], None]) -> tuple[RefusalKind, str]:
    with pytest.raises(Refusal) as raised:
        check()
    assert raised.value.reason == str(raised.value)
    return raised.value.kind, raised.value.field


def test_a_submission_in_turn_by_the_right_partner_is_accepted() -> None:
    rules.check_submission(template(), started(), submission("proposal"))
    rules.check_submission(template(), started(), submission("proposal_review_notes", STAFF))


@pytest.mark.parametrize(
    ("key", "actor", "expected"),
    [
        ("no_such_thing", PARTNER, (RefusalKind.UNKNOWN, "milestone_key")),
        ("proposal_review_notes", PARTNER, (RefusalKind.WRONG_PARTY, "milestone_key")),
        ("proposal", STAFF, (RefusalKind.WRONG_PARTY, "milestone_key")),
        ("proposal", STRANGER, (RefusalKind.WRONG_PARTY, "actor")),
        ("partnership_agreement", PARTNER, (RefusalKind.OUT_OF_TURN, "milestone_key")),
    ],
)
def test_a_submission_is_refused_for_the_wrong_milestone_or_party(key, actor, expected) -> None:
    assert refused(lambda: rules.check_submission(template(), started(), submission(key, actor))) == expected


def test_a_second_submission_is_refused_until_the_first_is_returned() -> None:
    tpl, state = template(), started()
    submit(state, "proposal", T0)
    with pytest.raises(Refusal, match="'proposal' has already been submitted and awaits review"):
        rules.check_submission(tpl, state, submission("proposal"))
    transitions.apply_review(state, review("proposal", Decision.RETURN, "More detail."), T0)
    rules.check_submission(tpl, state, submission("proposal"))
    submit(state, "proposal", T0)
    transitions.apply_review(state, review("proposal"), T0)
    with pytest.raises(Refusal, match="has already been accepted") as raised:
        rules.check_submission(tpl, state, submission("proposal"))
    assert (raised.value.kind, raised.value.field) == (RefusalKind.OUT_OF_TURN, "milestone_key")


def test_a_lapsed_milestone_takes_no_submission() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.DISPLAY)
    transitions.lapse_outstanding(state)
    with pytest.raises(Refusal, match="'labels' lapsed when its stage closed"):
        rules.check_submission(tpl, state, submission("labels"))


def test_a_review_of_a_submitted_milestone_by_staff_is_accepted() -> None:
    tpl, state = template(), started()
    submit(state, "proposal", T0)
    for decision, note in [
        (Decision.ACCEPT, ""),
        (Decision.RETURN, "Add a budget."),
        (Decision.DECLINE, "Not this year."),
    ]:
        rules.check_review(tpl, state, review("proposal", decision, note))


def test_a_review_is_refused_with_the_right_kind_and_field() -> None:
    tpl, state = template(), started()
    assert refused(lambda: rules.check_review(tpl, state, review("proposal"))) == (
        RefusalKind.OUT_OF_TURN,
        "milestone_key",
    )
    submit(state, "proposal", T0)
    submit(state, "proposal_review_notes", T0)
    cases = [
        (review("proposal", actor=PARTNER), (RefusalKind.WRONG_PARTY, "actor")),
        (review("nothing_here"), (RefusalKind.UNKNOWN, "milestone_key")),
        (review("proposal_review_notes"), (RefusalKind.OUT_OF_TURN, "milestone_key")),  # needs no review
        (review("proposal", Decision.RETURN, "  "), (RefusalKind.INVALID, "note")),
        (review("proposal", Decision.DECLINE, ""), (RefusalKind.INVALID, "note")),
    ]
    for decision, expected in cases:
        assert refused(partial(rules.check_review, tpl, state, decision)) == expected


def test_a_decline_is_refused_outside_the_proposal_stage() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.PARTNERSHIP)
    submit(state, "partnership_agreement", T0)
    decline = review("partnership_agreement", Decision.DECLINE, "No.")
    assert refused(lambda: rules.check_review(tpl, state, decline)) == (RefusalKind.OUT_OF_TURN, "decision")


def test_workshops_are_scheduled_by_staff_in_partnership_or_workshops_only() -> None:
    tpl, later = template(), session(T0 + days(7))
    for stage in (Stage.PARTNERSHIP, Stage.WORKSHOPS):
        rules.check_workshop(tpl, at_stage(tpl, stage), later, STAFF)
    assert refused(lambda: rules.check_workshop(tpl, started(), later, STAFF)) == (RefusalKind.OUT_OF_TURN, "project")
    assert refused(lambda: rules.check_workshop(tpl, at_stage(tpl, Stage.WORKSHOPS), later, PARTNER)) == (
        RefusalKind.WRONG_PARTY,
        "actor",
    )


def workshops_with_one_session() -> ProjectState:
    state = at_stage(template(), Stage.WORKSHOPS)
    transitions.add_workshop(state, session(T0 + days(7)))
    return state


def test_attendance_is_recorded_once_after_the_session_starts() -> None:
    state = workshops_with_one_session()
    att = Attendance(workshop_id="w1", attendance=14, actor=STAFF)
    assert refused(lambda: rules.check_attendance(state, att, T0 + days(6))) == (RefusalKind.OUT_OF_TURN, "workshop_id")
    rules.check_attendance(state, att, T0 + days(7))
    transitions.record_attendance(state, att, T0 + days(7))
    assert refused(lambda: rules.check_attendance(state, att, T0 + days(8))) == (RefusalKind.OUT_OF_TURN, "workshop_id")


def test_attendance_is_refused_for_an_unknown_workshop_or_a_partner() -> None:
    state = workshops_with_one_session()
    unknown = Attendance(workshop_id="w9", attendance=1, actor=STAFF)
    by_partner = Attendance(workshop_id="w1", attendance=1, actor=PARTNER)
    assert refused(lambda: rules.check_attendance(state, unknown, T0 + days(8))) == (RefusalKind.UNKNOWN, "workshop_id")
    assert refused(lambda: rules.check_attendance(state, by_partner, T0 + days(8))) == (
        RefusalKind.WRONG_PARTY,
        "actor",
    )


def test_the_display_is_set_before_evaluation_on_a_template_with_a_display_stage() -> None:
    tpl, dates = template(), plan(T0 + days(30), T0 + days(90))
    rules.check_display(tpl, at_stage(tpl, Stage.DISPLAY), dates, STAFF)
    after = at_stage(tpl, Stage.EVALUATION)
    assert refused(lambda: rules.check_display(tpl, after, dates, STAFF)) == (RefusalKind.OUT_OF_TURN, "project")
    research = template("collections-research")
    no_display = at_stage(research, Stage.WORKSHOPS)
    assert refused(lambda: rules.check_display(research, no_display, dates, STAFF)) == (
        RefusalKind.OUT_OF_TURN,
        "project",
    )


def test_an_opened_display_may_move_its_closing_but_not_its_opening() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.DISPLAY)
    transitions.set_display(state, plan(T0, T0 + days(60)))
    state.display.opened = True  # type: ignore[union-attr]
    rules.check_display(tpl, state, plan(T0, T0 + days(90)), STAFF)
    moved = plan(T0 + days(1), T0 + days(90))
    assert refused(lambda: rules.check_display(tpl, state, moved, STAFF)) == (RefusalKind.OUT_OF_TURN, "opens_at")


def test_pause_and_resume_alternate() -> None:
    state = started()
    assert refused(lambda: rules.check_resume(state, STAFF)) == (RefusalKind.OUT_OF_TURN, "project")
    rules.check_pause(state, STAFF)
    transitions.pause(state, "", T0)
    assert refused(lambda: rules.check_pause(state, STAFF)) == (RefusalKind.OUT_OF_TURN, "project")
    rules.check_resume(state, STAFF)
    assert refused(lambda: rules.check_resume(state, PARTNER)) == (RefusalKind.WRONG_PARTY, "actor")


def test_withdrawing_needs_a_reason_and_closing_needs_follow_up() -> None:
    tpl, state = template(), started()
    assert refused(lambda: rules.check_withdraw(state, STAFF, " ")) == (RefusalKind.INVALID, "reason")
    rules.check_withdraw(state, STAFF, "Partner dissolved")
    assert refused(lambda: rules.check_close(state, STAFF)) == (RefusalKind.OUT_OF_TURN, "project")
    rules.check_close(at_stage(tpl, Stage.FOLLOW_UP), STAFF)


def test_an_ended_project_refuses_every_input() -> None:
    tpl, state = template(), workshops_with_one_session()
    transitions.end_project(state, Stage.WITHDRAWN, "Funding ended", T0)
    checks: list[Callable[[], None]] = [
        lambda: rules.check_submission(tpl, state, submission("object_selection")),
        lambda: rules.check_review(tpl, state, review("object_selection")),
        lambda: rules.check_workshop(tpl, state, session(T0 + days(9)), STAFF),
        lambda: rules.check_attendance(state, Attendance(workshop_id="w1", attendance=3, actor=STAFF), T0 + days(8)),
        lambda: rules.check_display(tpl, state, plan(T0 + days(30), T0 + days(90)), STAFF),
        lambda: rules.check_pause(state, STAFF),
        lambda: rules.check_resume(state, STAFF),
        lambda: rules.check_withdraw(state, STAFF, "Again"),
        lambda: rules.check_close(state, STAFF),
    ]
    assert {refused(check) for check in checks} == {(RefusalKind.ENDED, "project")}


def actions(state: ProjectState, actor=STAFF, tpl=None) -> list[AvailableAction]:
    return rules.available_actions(tpl or template(), state, actor, T0 + days(8))


def test_a_partner_may_submit_their_current_milestones_and_nothing_else() -> None:
    state = started()
    assert actions(state, PARTNER) == [AvailableAction(action="submit", milestone_key="proposal")]
    assert actions(state, STRANGER) == []
    submit(state, "proposal", T0)
    assert actions(state, PARTNER) == []


def test_staff_see_review_when_something_awaits_it_and_pause_or_resume() -> None:
    state = started()
    submit(state, "proposal", T0)
    assert [(a.action, a.milestone_key) for a in actions(state)] == [
        ("review", "proposal"),
        ("submit", "proposal_review_notes"),
        ("pause", None),
        ("withdraw", None),
    ]
    transitions.pause(state, "", T0)
    assert [a.action for a in actions(state)][-2:] == ["resume", "withdraw"]


def test_staff_at_workshops_may_schedule_record_attendance_cancel_a_session_and_set_the_display() -> None:
    state = workshops_with_one_session()
    assert [(a.action, a.workshop_id) for a in actions(state) if a.milestone_key is None] == [
        ("schedule_workshop", None),
        ("record_attendance", "w1"),
        ("cancel_workshop", "w1"),
        ("set_display", None),
        ("pause", None),
        ("withdraw", None),
    ]


def test_close_is_offered_only_at_follow_up_and_nothing_after_the_end() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.FOLLOW_UP)
    assert [a.action for a in actions(state)] == ["pause", "withdraw", "close"]
    assert "close" not in [a.action for a in actions(at_stage(tpl, Stage.EVALUATION))]
    transitions.end_project(state, Stage.CLOSED, "Done", T0)
    assert actions(state) == []
    assert actions(state, PARTNER) == []
