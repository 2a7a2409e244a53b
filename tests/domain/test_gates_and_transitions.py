"""Transitions over ProjectState and the stage gate: what accepted input and reached dates do."""

from __future__ import annotations

from datetime import timedelta

from domain import transitions
from domain.events import EventType
from domain.lifecycle import Stage
from domain.state import MilestoneStatus
from domain.submissions import Attendance, Decision
from tests.domain.builders import (
    LEAD,
    PARTNER,
    PARTNER_ID,
    STAFF,
    T0,
    at_stage,
    days,
    new_state,
    plan,
    review,
    session,
    started,
    submission,
    submit,
    template,
)


def test_a_new_project_has_every_milestone_pending_without_due_dates() -> None:
    tpl = template("co-curation")
    state = new_state(tpl)
    assert [m.key for m in state.milestones] == [m.key for s in tpl.stages for m in s.milestones]
    assert {m.status for m in state.milestones} == {MilestoneStatus.PENDING}
    assert {m.due_at for m in state.milestones} == {None}
    assert (state.stage, state.stages, state.paused_at, state.event_seq) == (Stage.PROPOSAL, [], None, 0)
    assert (state.template_name, state.template_version, state.kind) == ("co-curation", 1, "display")
    assert (state.lead, state.partner_ids, state.created_at, state.updated_at) == (LEAD, [PARTNER_ID], T0, T0)


def test_a_new_project_takes_the_templates_follow_up_schedule_when_none_is_given() -> None:
    assert new_state(template("collections-research")).follow_up_schedule == ["P3M", "P12M"]


def test_opening_a_stage_dates_its_milestones_from_the_opening_time_only() -> None:
    state = new_state()
    change = transitions.open_stage(template(), state, Stage.PROPOSAL, T0)
    assert change == (EventType.STAGE_OPENED, None, {"stage": "proposal"})
    assert [(r.stage, r.opened_at, r.closed_at) for r in state.stages] == [(Stage.PROPOSAL, T0, None)]
    assert state.milestone("proposal").due_at == T0 + days(21)  # type: ignore[union-attr]
    assert state.milestone("proposal_review_notes").due_at == T0 + days(28)  # type: ignore[union-attr]
    assert state.milestone("partnership_agreement").due_at is None  # type: ignore[union-attr]
    assert state.next_due_at() == T0 + days(21)


def test_closing_a_stage_stamps_its_record() -> None:
    state = started()
    assert transitions.close_stage(state, T0 + days(3)) == (EventType.STAGE_CLOSED, None, {"stage": "proposal"})
    assert state.stages[-1].closed_at == T0 + days(3)


def test_the_proposal_gate_opens_once_the_required_proposal_is_accepted() -> None:
    tpl, state = template(), started()
    assert transitions.gate_open(tpl, state, T0) is False
    submit(state, "proposal", T0)
    assert transitions.gate_open(tpl, state, T0) is False  # submitted, but it needs review
    transitions.apply_review(state, review("proposal"), T0)
    assert state.milestone("proposal_review_notes").status is MilestoneStatus.PENDING  # type: ignore[union-attr]
    assert transitions.gate_open(tpl, state, T0) is True  # the optional staff notes do not block


def test_a_milestone_without_review_counts_once_submitted() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.PARTNERSHIP)
    submit(state, "partnership_agreement", T0)
    transitions.apply_review(state, review("partnership_agreement"), T0)
    assert transitions.gate_open(tpl, state, T0) is False  # access_needs still pending
    submit(state, "access_needs", T0)
    assert transitions.gate_open(tpl, state, T0) is True


def test_the_workshops_gate_needs_min_sessions_with_attendance() -> None:
    tpl = template("co-designed-programme")
    state = at_stage(tpl, Stage.WORKSHOPS)
    submit(state, "programme_plan", T0)
    transitions.apply_review(state, review("programme_plan"), T0)
    for n in (1, 2):
        transitions.add_workshop(state, session(T0 + days(n)))
    assert [w.id for w in state.workshops] == ["w1", "w2"]
    transitions.record_attendance(state, Attendance(workshop_id="w1", attendance=12, actor=STAFF), T0 + days(1))
    assert transitions.gate_open(tpl, state, T0 + days(2)) is False  # one of two sessions held
    change = transitions.record_attendance(state, Attendance(workshop_id="w2", attendance=0, actor=STAFF), T0)
    assert change == (EventType.ATTENDANCE_RECORDED, None, {"workshop_id": "w2", "attendance": 0})
    assert transitions.gate_open(tpl, state, T0 + days(2)) is True  # zero attendees is still recorded


def test_the_display_gate_opens_at_the_closing_time_whatever_the_milestones() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.DISPLAY)
    assert transitions.gate_open(tpl, state, T0 + days(365)) is False  # no display set
    transitions.set_display(state, plan(T0 + days(30), T0 + days(90)))
    assert transitions.gate_open(tpl, state, T0 + days(90) - timedelta(seconds=1)) is False
    assert transitions.gate_open(tpl, state, T0 + days(90)) is True
    assert state.milestone("labels").status is MilestoneStatus.PENDING  # type: ignore[union-attr]


def test_the_gate_never_opens_while_paused_or_at_follow_up() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.EVALUATION)
    submit(state, "partner_reflection", T0)
    submit(state, "staff_reflection", T0)
    transitions.pause(state, "Gallery flooded", T0)
    assert transitions.gate_open(tpl, state, T0) is False
    transitions.resume(state, T0 + days(1))
    assert transitions.gate_open(tpl, state, T0 + days(1)) is True
    assert transitions.following_stage(tpl, Stage.EVALUATION) is Stage.FOLLOW_UP
    assert transitions.gate_open(tpl, at_stage(tpl, Stage.FOLLOW_UP), T0 + days(999)) is False


def test_submissions_are_numbered_and_a_return_reopens_the_milestone() -> None:
    state = started()
    assert transitions.apply_submission(state, submission("proposal"), T0) == (
        EventType.MILESTONE_SUBMITTED,
        "proposal",
        {"submission": 1},
    )
    returned = transitions.apply_review(state, review("proposal", Decision.RETURN, "Name the partners."), T0 + days(1))
    assert returned == (EventType.MILESTONE_RETURNED, "proposal", {"submission": 1, "note": "Name the partners."})
    milestone = state.milestone("proposal")
    assert milestone is not None and milestone.status is MilestoneStatus.RETURNED
    assert (milestone.submissions[0].decision, milestone.submissions[0].reviewer) == (Decision.RETURN, STAFF)
    assert transitions.apply_submission(state, submission("proposal", summary="Second go."), T0 + days(2))[2] == {
        "submission": 2
    }
    accepted = transitions.apply_review(state, review("proposal"), T0 + days(3))
    assert accepted == (EventType.MILESTONE_ACCEPTED, "proposal", {"submission": 2, "note": ""})
    assert [(s.number, s.summary, s.decision) for s in milestone.submissions] == [
        (1, "Here it is.", Decision.RETURN),
        (2, "Second go.", Decision.ACCEPT),
    ]
    assert milestone.submissions[1].reviewed_at == T0 + days(3)
    assert milestone.submissions[1].actor == PARTNER
    assert state.stage is Stage.PROPOSAL


def test_a_decline_ends_the_project_as_declined_with_the_reason() -> None:
    state = started()
    submit(state, "proposal", T0)
    change = transitions.apply_review(state, review("proposal", Decision.DECLINE, "Out of scope."), T0 + days(5))
    assert change == (EventType.PROJECT_DECLINED, None, {"reason": "Out of scope."})
    assert (state.stage, state.ended_reason) == (Stage.DECLINED, "Out of scope.")
    assert state.stages[-1].closed_at == T0 + days(5)


def test_ending_a_paused_project_clears_the_pause() -> None:
    state = started()
    transitions.pause(state, "Waiting for funding", T0)
    change = transitions.end_project(state, Stage.WITHDRAWN, "Funding fell through", T0 + days(1))
    assert change == (EventType.PROJECT_WITHDRAWN, None, {"reason": "Funding fell through"})
    assert (state.stage, state.paused_at, state.ended_reason) == (Stage.WITHDRAWN, None, "Funding fell through")


def test_resume_shifts_only_the_outstanding_due_dates_of_the_current_stage() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.PARTNERSHIP)
    submit(state, "access_needs", T0 + days(1))
    assert transitions.pause(state, "Partner on leave", T0 + days(2)) == (
        EventType.PROJECT_PAUSED,
        None,
        {"reason": "Partner on leave"},
    )
    assert transitions.resume(state, T0 + days(12)) == (EventType.PROJECT_RESUMED, None, {"paused_seconds": 864000})
    assert state.milestone("partnership_agreement").due_at == T0 + days(30 + 10)  # type: ignore[union-attr]
    assert state.milestone("access_needs").due_at == T0 + days(14)  # type: ignore[union-attr]
    assert state.milestone("proposal").due_at == T0 - days(10) + days(21)  # type: ignore[union-attr]
    assert state.milestone("object_selection").due_at is None  # type: ignore[union-attr]
    assert (state.paused_at, state.paused_seconds) == (None, 864000.0)
    transitions.pause(state, "Again", T0 + days(20))
    assert transitions.paused_for(state, T0 + days(21)) == days(1)
    transitions.resume(state, T0 + days(21))
    assert state.paused_seconds == 864000.0 + 86400.0
    assert transitions.paused_for(state, T0 + days(22)) == timedelta(0)


def test_set_display_counts_an_extension_only_when_the_closing_date_moves_later() -> None:
    state = at_stage(template(), Stage.WORKSHOPS)
    first = transitions.set_display(state, plan(T0 + days(30), T0 + days(90)))
    assert first[2]["extended"] is False
    assert first[2]["closes_at"] == "2026-05-31T09:00:00+00:00"
    transitions.set_display(state, plan(T0 + days(30), T0 + days(80)))  # earlier: not an extension
    transitions.set_display(state, plan(T0 + days(20), T0 + days(80)))  # same close: not an extension
    assert state.display is not None and state.display.extensions == 0
    later = transitions.set_display(state, plan(T0 + days(20), T0 + days(120)))
    assert later[2]["extended"] is True
    assert (state.display.extensions, state.display.opens_at, state.display.closes_at) == (
        1,
        T0 + days(20),
        T0 + days(120),
    )


def test_moving_the_display_keeps_it_open_once_opened() -> None:
    state = at_stage(template(), Stage.DISPLAY)
    transitions.set_display(state, plan(T0, T0 + days(60)))
    assert state.display is not None
    state.display.opened = True
    transitions.set_display(state, plan(T0, T0 + days(75)))
    assert (state.display.opened, state.display.extensions) == (True, 1)


def test_lapse_outstanding_lapses_every_unmet_milestone_of_the_stage() -> None:
    state = at_stage(template(), Stage.DISPLAY)
    submit(state, "display_content", T0)  # awaits review: not met
    submit(state, "installation", T0)  # no review needed: met
    changes = transitions.lapse_outstanding(state)
    assert changes == [(EventType.MILESTONE_LAPSED, "display_content", {}), (EventType.MILESTONE_LAPSED, "labels", {})]
    assert [(m.key, m.status) for m in state.stage_milestones()] == [
        ("display_content", MilestoneStatus.LAPSED),
        ("labels", MilestoneStatus.LAPSED),
        ("installation", MilestoneStatus.SUBMITTED),
    ]
    assert state.milestone("object_selection").status is MilestoneStatus.ACCEPTED  # type: ignore[union-attr]
