"""FollowUpWorkflow's logic in skipped time, with stand-in wave activities that record each call.

(The real wave activities, database and SMTP run in tests/workflows/test_follow_up_real.py.)
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.durations import IsoDuration
from domain.follow_up import FollowUpInput, FollowUpPolicy, FollowUpState, Reschedule, SurveyAnswered, WaveStatus
from domain.lifecycle import Stage
from tests.workflows.driving import complete_stage
from tests.workflows.support import _STARTED, CATALOG, STAFF, RecordedActivities, stand_in_worker, start_project
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import follow_up_workflow_id

LONDON = ZoneInfo("Europe/London")


async def start_follow_up(
    client: Client, task_queue: str, anchor: datetime, offsets: tuple[str, ...], **kwargs: object
) -> WorkflowHandle[FollowUpWorkflow, FollowUpState]:
    start = FollowUpInput(
        project_id=uuid.uuid4().hex,
        anchor_at=anchor,
        offsets=tuple(IsoDuration(o) for o in offsets),
        **kwargs,
    )
    handle = await client.start_workflow(
        FollowUpWorkflow.run, start, id=follow_up_workflow_id(start.project_id), task_queue=task_queue
    )
    _STARTED.append(handle)
    return handle


def calls(recorded: RecordedActivities, kind: str) -> list[tuple[int, int, datetime]]:
    return [(wave, round_, at) for k, wave, round_, at in recorded.wave_calls if k == kind]


async def test_a_project_in_follow_up_runs_four_waves_over_two_years_and_then_closes_itself(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest("co-curation")
    assert template is not None
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(
            env.client,
            task_queue,
            "co-curation",
            await env.get_current_time(),
            follow_up_schedule=("P3M", "P6M", "P12M", "P24M"),
        )
        stage = Stage.PROPOSAL
        while stage is not Stage.FOLLOW_UP:
            stage = await complete_stage(env, handle, template)
        ended_at_follow_up = await env.get_current_time()
        final = await handle.result()  # the time-skipping server jumps through two years here

    assert final.stage is Stage.CLOSED and final.ended_reason == "the last follow-up wave closed"
    assert [w for w, _, _ in calls(recorded, "open")] == [0, 1, 2, 3]
    assert [(w, r) for w, r, _ in calls(recorded, "remind")] == [(w, r) for w in range(4) for r in (1, 2)]
    assert [w for w, _, _ in calls(recorded, "close")] == [0, 1, 2, 3]
    for _, _, at in calls(recorded, "open"):
        assert at.astimezone(LONDON).hour == 10, "waves go out at 10:00 London time"
    last_open = calls(recorded, "open")[-1][2]
    assert timedelta(days=725) < last_open - ended_at_follow_up < timedelta(days=733)


async def test_reminders_stop_once_everyone_invited_has_answered(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    recorded.respondents = 2
    async with stand_in_worker(env.client, task_queue, recorded):
        policy = FollowUpPolicy(reminders=(IsoDuration("PT1H"), IsoDuration("PT2H")), window=IsoDuration("PT3H"))
        handle = await start_follow_up(env.client, task_queue, await env.get_current_time(), ("PT10M",), policy=policy)
        await env.sleep(timedelta(minutes=20))
        for respondent in ("r1", "r2"):
            await handle.signal(FollowUpWorkflow.note_answer, SurveyAnswered(respondent_id=respondent, wave_index=0))
        final = await handle.result()

    assert calls(recorded, "remind") == [], "nobody owes an answer, so no reminder round runs"
    assert final.waves[0].status is WaveStatus.CLOSED and final.answers_signalled == 2


async def test_rescheduling_moves_only_the_waves_not_yet_sent(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        anchor = await env.get_current_time()
        handle = await start_follow_up(env.client, task_queue, anchor, ("P1D", "P10D", "P20D"))
        await env.sleep(timedelta(days=2))
        before = await handle.query(FollowUpWorkflow.status)
        assert before.waves[0].status is WaveStatus.OPEN
        after = await handle.execute_update(
            FollowUpWorkflow.reschedule, Reschedule(offsets=(IsoDuration("P5D"), IsoDuration("P40D")), actor=STAFF)
        )
        await env.sleep(timedelta(days=4))
        later = await handle.query(FollowUpWorkflow.status)

    assert after.waves[0].plan == before.waves[0].plan, "a wave already sent is untouched"
    assert [w.plan.offset for w in after.waves] == ["P1D", "P5D", "P40D"]
    assert [w.plan.index for w in after.waves] == [0, 1, 2]
    local_due = after.waves[1].plan.due_at.astimezone(LONDON)
    assert local_due.date() == (anchor.astimezone(LONDON) + timedelta(days=5)).date() and local_due.hour == 10
    assert later.waves[1].status is WaveStatus.OPEN, "the moved wave went out on its new date"


def next_spring_forward(after: date) -> date:
    """The last Sunday of March (UK clocks go forward) after `after`."""
    year = after.year if after < date(after.year, 3, 25) else after.year + 1
    last = date(year, 3, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


async def test_a_wave_due_on_the_clock_change_sunday_is_sent_at_ten_local_time(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        anchor = await env.get_current_time()
        change_day = next_spring_forward(anchor.astimezone(LONDON).date())
        offset = f"P{(change_day - anchor.astimezone(LONDON).date()).days}D"
        policy = FollowUpPolicy(reminders=(), window=IsoDuration("P1D"))
        handle = await start_follow_up(env.client, task_queue, anchor, (offset,), policy=policy)
        await handle.result()

    ((_, _, opened_at),) = calls(recorded, "open")
    ten_local = datetime.combine(change_day, datetime.min.time(), LONDON).replace(hour=10)
    assert timedelta(0) <= opened_at - ten_local < timedelta(seconds=5), "sent when the 10:00 timer fired"
    assert opened_at.astimezone(UTC).hour == 9, "10:00 BST is 09:00 UTC on the first day of summer time"


async def test_a_flood_of_answer_signals_continues_as_new_and_keeps_its_counts(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    recorded.respondents = 500
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_follow_up(
            env.client,
            task_queue,
            await env.get_current_time(),
            ("PT1M",),
            max_history_events=200,
            policy=FollowUpPolicy(reminders=(IsoDuration("P1D"),), window=IsoDuration("P2D")),
        )
        await env.sleep(timedelta(minutes=2))
        for n in range(300):
            await handle.signal(FollowUpWorkflow.note_answer, SurveyAnswered(respondent_id=f"r{n}", wave_index=0))
        final = await handle.result()
        description = await handle.describe()

    assert final.answers_signalled == 300
    assert description.run_id != handle.first_execution_run_id, "the run continued as new"
    assert final.waves[0].status is WaveStatus.CLOSED
    assert len(calls(recorded, "open")) == 1 and len(calls(recorded, "close")) == 1
