"""domain.timers: which dated actions a project waits for, in what order, and what firing one does."""

from __future__ import annotations

from datetime import timedelta

from domain import transitions
from domain.events import EventType
from domain.lifecycle import Audience, LifecycleTemplate, ReminderPolicy, Stage
from domain.state import ProjectState
from domain.submissions import Attendance, Decision
from domain.timers import ActionKind, TimedAction, fire, pending_actions
from tests.domain.builders import STAFF, T0, at_stage, days, plan, review, session, started, submit, template

REMIND, OVERDUE, ESCALATE = ActionKind.REMINDER, ActionKind.OVERDUE, ActionKind.ESCALATION


def summary(actions: list[TimedAction]) -> list[tuple[timedelta, ActionKind, str, str]]:
    """Each action as (offset from T0, kind, target, label) for readable assertions."""
    return [(a.at - T0, a.kind, a.target, a.label) for a in actions]


def with_proposal(due: str, reminders: ReminderPolicy) -> LifecycleTemplate:
    """co-curation with its proposal milestone's due date and reminder policy replaced."""
    tpl = template()
    proposal = tpl.stages[0]
    first = proposal.milestones[0].model_copy(update={"due": due, "reminders": reminders})
    stages = (proposal.model_copy(update={"milestones": (first, *proposal.milestones[1:])}), *tpl.stages[1:])
    return LifecycleTemplate.model_validate(tpl.model_copy(update={"stages": stages}).model_dump())


def test_a_fresh_proposal_waits_for_reminders_then_overdue_then_escalation_in_time_order() -> None:
    assert summary(pending_actions(template(), started())) == [
        (days(14), REMIND, "proposal", "P7D"),
        (days(20), REMIND, "proposal", "P1D"),
        (days(21), OVERDUE, "proposal", ""),
        (days(25), REMIND, "proposal_review_notes", "P3D"),
        (days(28), OVERDUE, "proposal_review_notes", ""),
        (days(28), ESCALATE, "proposal", "P7D"),
    ]


def test_a_reminder_that_would_fall_before_the_stage_opened_is_skipped() -> None:
    tpl = with_proposal("P5D", ReminderPolicy(remind_before=("P7D", "P1D"), overdue_notice=False))
    assert [a for a in summary(pending_actions(tpl, started(tpl))) if a[2] == "proposal"] == [
        (days(4), REMIND, "proposal", "P1D"),
    ]


def test_a_policy_without_overdue_notice_or_escalation_only_reminds() -> None:
    tpl = with_proposal("P10D", ReminderPolicy(remind_before=("P2D",), overdue_notice=False, escalate_after=None))
    assert [a for a in summary(pending_actions(tpl, started(tpl))) if a[2] == "proposal"] == [
        (days(8), REMIND, "proposal", "P2D"),
    ]


def test_escalation_counts_calendar_months_from_the_due_date() -> None:
    tpl = with_proposal("P1M", ReminderPolicy(escalate_after="P1M"))
    state = started(tpl, at=T0 - days(1))  # opened 1 March 2026: due 1 April, escalate 1 May
    escalation = [a for a in pending_actions(tpl, state) if a.kind is ESCALATE]
    assert [(a.at.month, a.at.day) for a in escalation] == [(5, 1)]


def test_nothing_is_pending_while_paused_and_dates_move_by_the_pause_after_resume() -> None:
    tpl, state = template(), started()
    transitions.pause(state, "Partner on leave", T0 + days(1))
    assert pending_actions(tpl, state) == []
    transitions.resume(state, T0 + days(11))
    assert summary(pending_actions(tpl, state))[:3] == [
        (days(24), REMIND, "proposal", "P7D"),
        (days(30), REMIND, "proposal", "P1D"),
        (days(31), OVERDUE, "proposal", ""),
    ]


def test_a_milestone_that_is_met_or_awaiting_review_has_no_timers() -> None:
    tpl, state = template(), started()
    submit(state, "proposal", T0)
    assert {a.target for a in pending_actions(tpl, state)} == {"proposal_review_notes"}
    transitions.apply_review(state, review("proposal", Decision.RETURN, "Add dates."), T0 + days(1))
    assert {a.target for a in pending_actions(tpl, state)} == {"proposal", "proposal_review_notes"}
    submit(state, "proposal_review_notes", T0 + days(2))  # no review needed: met at once
    submit(state, "proposal", T0 + days(2))
    transitions.apply_review(state, review("proposal"), T0 + days(3))
    assert pending_actions(tpl, state) == []


def test_pending_actions_survive_a_json_round_trip_of_the_state() -> None:
    tpl, state = template(), started()
    fire(state, pending_actions(tpl, state)[0])
    carried = ProjectState.model_validate_json(state.model_dump_json())
    assert carried == state
    assert pending_actions(tpl, carried) == pending_actions(tpl, state)


def test_an_ended_or_closed_stage_has_no_timers() -> None:
    tpl, state = template(), started()
    transitions.close_stage(state, T0 + days(1))
    assert pending_actions(tpl, state) == []
    ended = started()
    transitions.end_project(ended, Stage.WITHDRAWN, "Stopped", T0)
    assert pending_actions(tpl, ended) == []


def test_firing_a_reminder_marks_it_sent_and_tells_the_submitter() -> None:
    tpl, state = template(), started()
    first = pending_actions(tpl, state)[0]
    change, audience = fire(state, first)
    assert change == (
        EventType.MILESTONE_REMINDER,
        "proposal",
        {"before": "P7D", "due_at": "2026-03-23T09:00:00+00:00"},
    )
    assert audience == (Audience.PARTNERS,)
    assert state.milestone("proposal").reminders_sent == ["P7D"]  # type: ignore[union-attr]
    assert first not in pending_actions(tpl, state)
    assert summary(pending_actions(tpl, state))[0] == (days(20), REMIND, "proposal", "P1D")


def test_a_staff_milestone_reminds_and_warns_the_lead() -> None:
    tpl, state = template(), started()
    staff_actions = [a for a in pending_actions(tpl, state) if a.target == "proposal_review_notes"]
    fired = [fire(state, a) for a in staff_actions]
    assert [(c[0], who) for c, who in fired] == [
        (EventType.MILESTONE_REMINDER, (Audience.LEAD,)),
        (EventType.MILESTONE_OVERDUE, (Audience.LEAD,)),
    ]
    assert [a for a in pending_actions(tpl, state) if a.target == "proposal_review_notes"] == []


def test_overdue_goes_to_the_partners_and_escalation_to_the_lead_each_once() -> None:
    tpl, state = template(), started()
    overdue, escalation = (
        a for a in pending_actions(tpl, state) if a.target == "proposal" and a.kind in (OVERDUE, ESCALATE)
    )
    assert fire(state, overdue) == (
        (EventType.MILESTONE_OVERDUE, "proposal", {"due_at": "2026-03-23T09:00:00+00:00"}),
        (Audience.PARTNERS,),
    )
    assert fire(state, escalation) == (
        (EventType.MILESTONE_ESCALATED, "proposal", {"due_at": "2026-03-23T09:00:00+00:00"}),
        (Audience.LEAD,),
    )
    milestone = state.milestone("proposal")
    assert milestone is not None and (milestone.overdue_notified, milestone.escalated) == (True, True)
    assert {a.kind for a in pending_actions(tpl, state) if a.target == "proposal"} == {REMIND}


def test_session_reminders_come_before_each_session_but_not_before_the_stage_opened() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.WORKSHOPS)
    for start in (T0 + days(7), T0 + days(1), T0):
        transitions.add_workshop(state, session(start))
    reminders = [a for a in pending_actions(tpl, state) if a.kind is ActionKind.WORKSHOP_REMINDER]
    assert summary(reminders) == [
        (days(0), ActionKind.WORKSHOP_REMINDER, "w2", ""),
        (days(5), ActionKind.WORKSHOP_REMINDER, "w1", ""),
    ]
    change, audience = fire(state, reminders[1])
    assert change == (
        EventType.WORKSHOP_REMINDER,
        None,
        {"workshop_id": "w1", "starts_at": "2026-03-09T09:00:00+00:00"},
    )
    assert audience == (Audience.PARTNERS,)
    transitions.record_attendance(state, Attendance(workshop_id="w2", attendance=5, actor=STAFF), T0 + days(1))
    assert [a for a in pending_actions(tpl, state) if a.kind is ActionKind.WORKSHOP_REMINDER] == []


def test_a_display_waits_for_its_opening_and_its_closing() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.DISPLAY)
    transitions.set_display(state, plan(T0 + days(30), T0 + days(90)))
    display = [a for a in pending_actions(tpl, state) if not a.target]
    assert summary(display) == [
        (days(30), ActionKind.DISPLAY_OPENING, "", ""),
        (days(90), ActionKind.DISPLAY_CLOSING, "", ""),
    ]
    # None: the template's notify decides, and it names partners and the lead for an opening.
    assert fire(state, display[0]) == ((EventType.DISPLAY_OPENED, None, {"location": "Gallery 4"}), None)
    assert tpl.notify["display_opened"] == (Audience.PARTNERS, Audience.LEAD)
    assert state.display is not None and state.display.opened is True
    assert [a.kind for a in pending_actions(tpl, state) if not a.target] == [ActionKind.DISPLAY_CLOSING]
    assert fire(state, display[1]) == ((EventType.DISPLAY_CLOSED, None, {}), None)
    transitions.close_stage(state, T0 + days(90))  # the workflow closes the stage, which ends the timer
    assert pending_actions(tpl, state) == []


def test_a_display_set_early_has_no_timers_before_the_display_stage() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.WORKSHOPS)
    transitions.set_display(state, plan(T0 + days(30), T0 + days(90)))
    assert [a for a in pending_actions(tpl, state) if not a.target] == []
