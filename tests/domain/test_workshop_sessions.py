"""Attendance is never lost (issue 12): the workshops stage waits for every scheduled session to be
held and recorded unless staff cancel it, and attendance can be recorded until the project ends."""

from __future__ import annotations

from domain import rules, timers, transitions
from domain.events import EventType
from domain.lifecycle import Stage
from domain.rules import RefusalKind
from domain.state import ProjectState
from domain.submissions import Attendance, WorkshopCancellation
from tests.domain.builders import PARTNER, STAFF, T0, at_stage, days, meet_stage, refused, session, template


def workshops_with_two_sessions() -> ProjectState:
    """The co-curation workshops stage (one session needed), two scheduled, the milestone met."""
    state = at_stage(template(), Stage.WORKSHOPS)
    transitions.add_workshop(state, session(T0 + days(7)))
    transitions.add_workshop(state, session(T0 + days(14)))
    meet_stage(state, T0)
    return state


def attend(workshop_id: str) -> Attendance:
    return Attendance(workshop_id=workshop_id, attendance=11, actor=STAFF)


def cancel(workshop_id: str, actor: object = STAFF) -> WorkshopCancellation:
    return WorkshopCancellation(workshop_id=workshop_id, reason="The room flooded", actor=actor)


def test_the_workshops_stage_waits_for_every_scheduled_session_to_be_recorded() -> None:
    tpl, state = template(), workshops_with_two_sessions()
    transitions.record_attendance(state, attend("w1"), T0 + days(7))

    assert transitions.gate_open(tpl, state, T0 + days(8), every_session_recorded=True) is False
    assert transitions.gate_open(tpl, state, T0 + days(8), every_session_recorded=False) is True  # before issue 12

    transitions.record_attendance(state, attend("w2"), T0 + days(14))
    assert transitions.gate_open(tpl, state, T0 + days(14), every_session_recorded=True) is True


def test_a_cancelled_session_no_longer_holds_the_stage_open() -> None:
    tpl, state = template(), workshops_with_two_sessions()
    transitions.record_attendance(state, attend("w1"), T0 + days(7))
    rules.check_cancel_workshop(state, cancel("w2"))

    change = transitions.cancel_workshop(state, cancel("w2"), T0 + days(8))

    assert change == (EventType.WORKSHOP_CANCELLED, None, {"workshop_id": "w2", "reason": "The room flooded"})
    w2 = state.workshop("w2")
    assert w2 is not None and w2.cancelled_at == T0 + days(8) and w2.cancel_reason == "The room flooded"
    assert transitions.gate_open(tpl, state, T0 + days(8), every_session_recorded=True) is True


def test_cancelled_sessions_do_not_count_as_held_and_get_no_reminder() -> None:
    tpl, state = template(), workshops_with_two_sessions()
    transitions.cancel_workshop(state, cancel("w1"), T0)
    transitions.cancel_workshop(state, cancel("w2"), T0)
    assert transitions.gate_open(tpl, state, T0 + days(20), every_session_recorded=True) is False  # none held
    assert [a for a in timers.pending_actions(tpl, state) if a.kind is timers.ActionKind.WORKSHOP_REMINDER] == []


def test_only_staff_cancel_a_session_that_exists_and_is_neither_recorded_nor_cancelled() -> None:
    state = workshops_with_two_sessions()
    assert refused(lambda: rules.check_cancel_workshop(state, cancel("w9"))) == (RefusalKind.UNKNOWN, "workshop_id")
    assert refused(lambda: rules.check_cancel_workshop(state, cancel("w1", PARTNER))) == (
        RefusalKind.WRONG_PARTY,
        "actor",
    )
    transitions.record_attendance(state, attend("w1"), T0 + days(7))
    assert refused(lambda: rules.check_cancel_workshop(state, cancel("w1"))) == (RefusalKind.OUT_OF_TURN, "workshop_id")
    transitions.cancel_workshop(state, cancel("w2"), T0 + days(8))
    assert refused(lambda: rules.check_cancel_workshop(state, cancel("w2"))) == (RefusalKind.OUT_OF_TURN, "workshop_id")
    assert refused(lambda: rules.check_attendance(state, attend("w2"), T0 + days(15))) == (
        RefusalKind.OUT_OF_TURN,
        "workshop_id",
    )


def test_attendance_for_a_held_session_can_be_recorded_in_any_later_stage_until_the_project_ends() -> None:
    state = at_stage(template(), Stage.EVALUATION)
    transitions.add_workshop(state, session(T0 - days(30)))  # held, never recorded
    rules.check_attendance(state, attend("w1"), T0)
    transitions.end_project(state, Stage.CLOSED, "done", T0 + days(1))
    assert refused(lambda: rules.check_attendance(state, attend("w1"), T0 + days(2))) == (RefusalKind.ENDED, "project")


def test_staff_are_offered_cancel_for_an_unrecorded_session() -> None:
    state = workshops_with_two_sessions()
    transitions.record_attendance(state, attend("w1"), T0 + days(7))
    actions = rules.available_actions(template(), state, STAFF, T0 + days(8))
    assert [(a.action, a.workshop_id) for a in actions if a.action == "cancel_workshop"] == [("cancel_workshop", "w2")]
