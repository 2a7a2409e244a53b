"""domain.follow_up: waves fall due at 10:00 on the project's local calendar (whatever the clocks do),
sub-day offsets are exact, months are calendar months; and when a schedule may be changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import rules, transitions
from domain.durations import IsoDuration
from domain.follow_up import FollowUpPolicy, PlanRequest, Reschedule, WaveCounts, WavePlan, local_after, plan_waves
from domain.lifecycle import Stage
from domain.rules import RefusalKind
from tests.domain.builders import STAFF, T0, at_stage, refused, started, template

LONDON = "Europe/London"
D = IsoDuration


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Saturday before the clocks go forward on the last Sunday of March: 10:00 BST is 09:00 UTC.
        (utc(2026, 3, 28, 10, 0), utc(2026, 3, 29, 9, 0)),
        # Saturday before the clocks go back on the last Sunday of October: 10:00 GMT is 10:00 UTC.
        (utc(2026, 10, 24, 9, 0), utc(2026, 10, 25, 10, 0)),
    ],
)
def test_a_send_due_on_a_clock_change_sunday_goes_at_ten_local(moment: datetime, expected: datetime) -> None:
    due = local_after(moment, D("P1D"), LONDON, send_hour=10)
    assert due == expected
    assert due.tzinfo is UTC


def test_a_day_offset_counts_local_calendar_days_not_utc_ones() -> None:
    # 23:30 UTC on 30 June is already 1 July in London, so one day later is 2 July.
    assert local_after(utc(2026, 6, 30, 23, 30), D("P1D"), LONDON, 10) == utc(2026, 7, 2, 9, 0)
    assert local_after(utc(2026, 6, 30, 23, 30), D("P1D"), "America/New_York", 10) == utc(2026, 7, 1, 14, 0)


def test_a_month_after_31_january_is_the_end_of_february_at_ten() -> None:
    assert local_after(utc(2026, 1, 31, 16, 30), D("P1M"), LONDON, 10) == utc(2026, 2, 28, 10, 0)
    assert local_after(utc(2028, 1, 31, 16, 30), D("P1M"), LONDON, 10) == utc(2028, 2, 29, 10, 0)


def test_months_across_a_clock_change_keep_the_local_send_hour() -> None:
    assert local_after(utc(2026, 2, 15, 12, 0), D("P3M"), LONDON, 10) == utc(2026, 5, 15, 9, 0)
    assert local_after(utc(2026, 8, 15, 12, 0), D("P1Y2M"), LONDON, 10) == utc(2027, 10, 15, 9, 0)


def test_a_duration_without_a_send_hour_keeps_the_local_wall_time() -> None:
    # 10:00 BST on 20 October, thirty days on: 10:00 GMT on 19 November.
    assert local_after(utc(2026, 10, 20, 9, 0), D("P30D"), LONDON) == utc(2026, 11, 19, 10, 0)


@pytest.mark.parametrize(
    ("text", "delta"), [("PT10S", timedelta(seconds=10)), ("PT23H59M", timedelta(hours=23, minutes=59))]
)
def test_an_offset_shorter_than_a_day_is_exact_and_ignores_the_send_hour(text: str, delta: timedelta) -> None:
    moment = utc(2026, 3, 29, 0, 59, 55)  # five seconds before the clocks go forward
    assert local_after(moment, D(text), LONDON, send_hour=10) == moment + delta


def request(offsets: tuple[str, ...], **fields: object) -> PlanRequest:
    return PlanRequest.model_validate(
        {"anchor_at": utc(2026, 6, 19, 15, 0), "offsets": offsets, "timezone": LONDON, "policy": FollowUpPolicy()}
        | fields
    )


def test_a_plan_sends_each_wave_at_ten_with_reminders_and_a_thirty_day_window() -> None:
    first, second = plan_waves(request(("P3M", "P6M")))
    assert first == WavePlan(
        index=0,
        offset=D("P3M"),
        due_at=utc(2026, 9, 19, 9, 0),
        reminders_at=(utc(2026, 9, 26, 9, 0), utc(2026, 10, 3, 9, 0)),
        closes_at=utc(2026, 10, 19, 9, 0),
    )
    # Due in winter: 10:00 GMT; the thirty-day window closes at 10:00 on the same wall clock.
    assert (second.index, second.due_at) == (1, utc(2026, 12, 19, 10, 0))
    assert second.reminders_at == (utc(2026, 12, 26, 10, 0), utc(2027, 1, 2, 10, 0))
    assert second.closes_at == utc(2027, 1, 18, 10, 0)


def test_a_plan_whose_window_spans_the_clocks_going_back_closes_at_the_same_wall_time() -> None:
    (wave,) = plan_waves(request(("P3M",), anchor_at=utc(2026, 7, 10, 8, 0)))
    assert wave.due_at == utc(2026, 10, 10, 9, 0)
    assert wave.reminders_at == (utc(2026, 10, 17, 9, 0), utc(2026, 10, 24, 9, 0))
    assert wave.closes_at == utc(2026, 11, 9, 10, 0)


def test_a_demo_plan_of_seconds_runs_exactly_and_honours_a_custom_policy() -> None:
    policy = FollowUpPolicy(reminders=(D("PT5S"),), window=D("PT30S"), send_hour=9)
    anchor = utc(2026, 6, 19, 15, 0, 0)
    waves = plan_waves(request(("PT10S", "PT20S"), anchor_at=anchor, policy=policy))
    assert [(w.due_at, w.reminders_at, w.closes_at) for w in waves] == [
        (anchor + timedelta(seconds=10), (anchor + timedelta(seconds=15),), anchor + timedelta(seconds=40)),
        (anchor + timedelta(seconds=20), (anchor + timedelta(seconds=25),), anchor + timedelta(seconds=50)),
    ]
    assert plan_waves(request(("P1D",), policy=policy))[0].due_at == utc(2026, 6, 20, 8, 0)


def test_rescheduling_numbers_new_waves_from_the_first_index_given() -> None:
    waves = plan_waves(request(("P12M", "P24M"), first_index=2))
    assert [(w.index, w.offset, w.due_at) for w in waves] == [
        (2, "P12M", utc(2027, 6, 19, 9, 0)),
        (3, "P24M", utc(2028, 6, 19, 9, 0)),
    ]
    assert plan_waves(request((), first_index=2)) == []


@pytest.mark.parametrize(
    ("counts", "rate"),
    [
        (WaveCounts(), 0.0),
        (WaveCounts(invited=0, answered=3), 0.0),
        (WaveCounts(invited=7, answered=3), 0.4286),
        (WaveCounts(invited=40, answered=40, reminded=12), 1.0),
    ],
)
def test_the_response_rate_is_answers_over_invitations_to_four_places(counts: WaveCounts, rate: float) -> None:
    assert counts.response_rate == rate


def test_a_schedule_with_offsets_may_be_changed_before_follow_up_starts() -> None:
    rules.check_follow_up_schedule(started(), Reschedule(actor=STAFF, offsets=(D("P3M"), D("P6M"))))
    rules.check_follow_up_schedule(at_stage(template(), Stage.EVALUATION), Reschedule(actor=STAFF, offsets=(D("P1Y"),)))


def test_a_schedule_change_needs_offsets_and_may_not_move_the_end_date() -> None:
    state = started()
    assert refused(lambda: rules.check_follow_up_schedule(state, Reschedule(actor=STAFF))) == (
        RefusalKind.INVALID,
        "offsets",
    )
    assert refused(lambda: rules.check_follow_up_schedule(state, Reschedule(actor=STAFF, offsets=()))) == (
        RefusalKind.INVALID,
        "offsets",
    )
    moved = Reschedule(actor=STAFF, offsets=(D("P3M"),), anchor_at=utc(2026, 9, 1, 0, 0))
    assert refused(lambda: rules.check_follow_up_schedule(state, moved)) == (RefusalKind.INVALID, "anchor_at")


def test_a_schedule_change_is_refused_once_follow_up_started_or_the_project_ended() -> None:
    change = Reschedule(actor=STAFF, offsets=(D("P3M"),))
    in_follow_up = at_stage(template(), Stage.FOLLOW_UP)
    assert refused(lambda: rules.check_follow_up_schedule(in_follow_up, change)) == (RefusalKind.OUT_OF_TURN, "offsets")
    withdrawn = started()
    transitions.end_project(withdrawn, Stage.WITHDRAWN, "Funding ended", T0)
    assert refused(lambda: rules.check_follow_up_schedule(withdrawn, change)) == (RefusalKind.ENDED, "project")
