"""domain.follow_up.end_early: a project closed or withdrawn in follow_up ends its surveys (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.durations import IsoDuration
from domain.follow_up import (
    WAVE_DONE,
    FollowUpPolicy,
    FollowUpState,
    PlanRequest,
    WaveState,
    WaveStatus,
    end_early,
    plan_waves,
)

ANCHOR = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def three_waves() -> FollowUpState:
    plans = plan_waves(
        PlanRequest(
            anchor_at=ANCHOR,
            offsets=(IsoDuration("P1M"), IsoDuration("P3M"), IsoDuration("P6M")),
            timezone="Europe/London",
            policy=FollowUpPolicy(),
        )
    )
    state = FollowUpState(
        project_id="p1",
        anchor_at=ANCHOR,
        timezone="Europe/London",
        policy=FollowUpPolicy(),
        waves=[WaveState(plan=p) for p in plans],
    )
    state.waves[0].status = WaveStatus.CLOSED
    state.waves[1].status = WaveStatus.OPEN
    return state


def test_ending_early_cancels_the_waves_not_yet_sent_and_hands_back_the_open_ones() -> None:
    state = three_waves()

    to_close = end_early(state, "Project closed by staff")

    assert [w.plan.index for w in to_close] == [state.waves[1].plan.index]
    assert [w.status for w in state.waves] == [WaveStatus.CLOSED, WaveStatus.OPEN, WaveStatus.CANCELLED]
    assert state.pending() == []
    assert state.ended_early == "Project closed by staff"


def test_a_cancelled_wave_needs_nothing_more() -> None:
    assert WaveStatus.CANCELLED in WAVE_DONE and WaveStatus.CLOSED in WAVE_DONE
    assert WaveStatus.OPEN not in WAVE_DONE and WaveStatus.SCHEDULED not in WAVE_DONE


def test_ending_early_without_a_reason_still_says_why() -> None:
    state = three_waves()
    end_early(state, "")
    assert state.ended_early == "the project ended"
