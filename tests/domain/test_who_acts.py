"""Who acts, checked by the domain rules the workflows' validators run (issue 13).

Workshop and display requests carry their actor; a partner, a stranger or a request naming nobody
is refused WrongParty on the `actor` field, whatever the stage. Follow-up reschedules, checked by
FollowUpWorkflow through domain.rules since issue 13, keep their kinds and fields.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from domain import rules
from domain.durations import IsoDuration
from domain.follow_up import FollowUpState, Reschedule, WavePlan, WaveState, WaveStatus
from domain.lifecycle import Stage
from domain.rules import RefusalKind
from domain.submissions import Actor
from tests.domain.builders import PARTNER, STAFF, STRANGER, T0, at_stage, days, plan, refused, session, template


def test_a_workshop_or_display_is_refused_to_anyone_but_staff_and_to_a_request_naming_nobody() -> None:
    tpl = template()
    state = at_stage(tpl, Stage.PARTNERSHIP)
    later, dates = session(T0 + days(7)), plan(T0 + days(30), T0 + days(90))
    rules.check_workshop(tpl, state, later, STAFF)
    rules.check_display(tpl, state, dates, STAFF)
    actors: tuple[Actor | None, ...] = (PARTNER, STRANGER, None)
    for actor in actors:
        assert refused(partial(rules.check_workshop, tpl, state, later, actor)) == (RefusalKind.WRONG_PARTY, "actor")
        assert refused(partial(rules.check_display, tpl, state, dates, actor)) == (RefusalKind.WRONG_PARTY, "actor")


def test_the_actor_travels_in_the_payload_and_old_payloads_without_one_still_decode() -> None:
    sent = session(T0).model_copy(update={"actor": STAFF})
    assert type(sent).model_validate_json(sent.model_dump_json()).actor == STAFF
    recorded_before_issue_13 = sent.model_dump(mode="json", exclude={"actor"})
    assert type(sent).model_validate(recorded_before_issue_13).actor is None


def _follow_up(*statuses: WaveStatus) -> FollowUpState:
    def wave(index: int, status: WaveStatus) -> WaveState:
        due = T0 + days(30 * (index + 1))
        plan = WavePlan(index=index, offset=IsoDuration("P1M"), due_at=due, reminders_at=(), closes_at=due + days(14))
        return WaveState(plan=plan, status=status)

    return FollowUpState(
        project_id="p1",
        anchor_at=T0,
        timezone="Europe/London",
        policy=template().follow_up,
        waves=[wave(i, s) for i, s in enumerate(statuses)],
    )


def test_a_reschedule_needs_something_left_to_move_and_something_to_change() -> None:
    pending = _follow_up(WaveStatus.CLOSED, WaveStatus.SCHEDULED)
    rules.check_reschedule(pending, Reschedule(actor=STAFF, offsets=(IsoDuration("P6M"),)))
    rules.check_reschedule(pending, Reschedule(actor=STAFF, anchor_at=T0 + timedelta(days=1)))
    assert refused(lambda: rules.check_reschedule(pending, Reschedule(actor=STAFF))) == (RefusalKind.INVALID, "offsets")
    every_wave_closed = _follow_up(WaveStatus.CLOSED, WaveStatus.CANCELLED)
    change = Reschedule(actor=STAFF, offsets=(IsoDuration("P6M"),))
    assert refused(lambda: rules.check_reschedule(every_wave_closed, change)) == (RefusalKind.OUT_OF_TURN, "offsets")
    nothing_pending = _follow_up(WaveStatus.OPEN)
    assert refused(lambda: rules.check_reschedule(nothing_pending, Reschedule(actor=STAFF, offsets=()))) == (
        RefusalKind.INVALID,
        "offsets",
    )
