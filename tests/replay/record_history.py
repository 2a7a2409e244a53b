"""Record a ProjectWorkflow history for the replay suite: `python -m tests.replay.record_history`.

Run it when a PR introduces a new workflow shape; it writes tests/histories/<wf>-<scenario>-vN.json
for each scenario that has no file yet. Never regenerate a committed history: the point of the
old files is that they were made by the old code. The data is fictional (no personal data).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from domain.durations import IsoDuration
from domain.follow_up import Reschedule, SurveyAnswered
from domain.lifecycle import Party, Stage
from domain.state import ProjectState
from domain.submissions import (
    Attendance,
    Decision,
    MilestoneSubmission,
    StaffAction,
    WorkshopCancellation,
    WorkshopSession,
)
from tests.temporal_env import start_time_skipping
from tests.workflows.driving import complete_stage, review, submit, wait_for, wait_for_stage
from tests.workflows.support import (
    CATALOG,
    PARTNER_ID,
    STAFF,
    RecordedActivities,
    stand_in_worker,
    start_project,
)
from workflows.exchange import ExchangeLauncherWorkflow
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import REGISTRY, follow_up_workflow_id
from workflows.project import ProjectWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
Handle = WorkflowHandle[ProjectWorkflow, ProjectState]


async def full_lifecycle(env: WorkflowEnvironment, handle: Handle) -> None:
    template = CATALOG.latest("co-curation")
    assert template is not None
    await env.sleep(timedelta(days=15))  # one reminder before the proposal arrives
    stage = Stage.PROPOSAL
    while stage is not Stage.FOLLOW_UP:
        stage = await complete_stage(env, handle, template)
    await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="done"))


async def declined(env: WorkflowEnvironment, handle: Handle) -> None:
    await submit(handle, "proposal", Party.PARTNER)
    await review(handle, "proposal", Decision.RETURN, note="More detail please")
    await submit(handle, "proposal", Party.PARTNER)
    await review(handle, "proposal", Decision.DECLINE, note="Not this year")


async def paused_then_withdrawn(env: WorkflowEnvironment, handle: Handle) -> None:
    await submit(handle, "proposal", Party.PARTNER)
    await review(handle, "proposal")
    await wait_for_stage(handle, Stage.PARTNERSHIP)
    await handle.execute_update(ProjectWorkflow.pause, StaffAction(actor=STAFF, reason="leave"))
    await env.sleep(timedelta(days=30))
    await handle.execute_update(ProjectWorkflow.resume, StaffAction(actor=STAFF))
    await env.sleep(timedelta(days=40))  # reminders, overdue, escalation
    await wait_for(handle, lambda s: s.milestone("partnership_agreement").escalated)
    await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="Partner closed"))


async def through_follow_up(env: WorkflowEnvironment, handle: Handle) -> None:
    """Issue 3's shape: follow_up runs FollowUpWorkflow as a child and closes the project."""
    template = CATALOG.latest("co-curation")
    assert template is not None
    stage = Stage.PROPOSAL
    while stage is not Stage.FOLLOW_UP:
        stage = await complete_stage(env, handle, template)
    await env.sleep(timedelta(days=40))  # the first wave: invited, reminded twice, closed
    follow_up = env.client.get_workflow_handle(follow_up_workflow_id(handle.id.removeprefix("project/")))
    await follow_up.signal(FollowUpWorkflow.note_answer, SurveyAnswered(respondent_id="r1", wave_index=1))
    await follow_up.execute_update(FollowUpWorkflow.reschedule, Reschedule(offsets=(IsoDuration("P2M"),), actor=STAFF))


async def ended_in_follow_up(env: WorkflowEnvironment, handle: Handle) -> None:
    """Issue 12's shape: closed by staff while a wave is open; the open wave closes, the next is
    cancelled, and the project waits for its follow-up to finish (patch 12-ending-ends-follow-up).
    The proposal stage closes with its optional notes undone (patch 12-skipped-milestones)."""
    template = CATALOG.latest("co-curation")
    assert template is not None
    stage = Stage.PROPOSAL
    while stage is not Stage.FOLLOW_UP:
        stage = await complete_stage(env, handle, template)
    await env.sleep(timedelta(days=32))  # the first wave is open
    await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="partner moved on"))


async def workshop_cancelled(env: WorkflowEnvironment, handle: Handle) -> None:
    """Issue 12's shape: the workshops stage waits for an unrecorded session (patch 12-sessions-recorded)
    until staff cancel it (the cancel_workshop update); then the project moves on to display."""
    template = CATALOG.latest("co-curation")
    assert template is not None
    for _ in range(2):  # proposal, partnership
        await complete_stage(env, handle, template)
    now = await env.get_current_time()
    for n in (1, 2):
        starts = now + timedelta(days=n)
        session = WorkshopSession(
            title=f"Session {n}", starts_at=starts, ends_at=starts + timedelta(hours=2), place="Hall", actor=STAFF
        )
        await handle.execute_update(ProjectWorkflow.schedule_workshop, session)
    await env.sleep(timedelta(days=3))
    await handle.execute_update(
        ProjectWorkflow.record_attendance, Attendance(workshop_id="w1", attendance=9, actor=STAFF)
    )
    await submit(handle, "object_selection", Party.PARTNER)
    await review(handle, "object_selection")
    await handle.execute_update(
        ProjectWorkflow.cancel_workshop, WorkshopCancellation(workshop_id="w2", reason="room flooded", actor=STAFF)
    )
    await wait_for_stage(handle, Stage.DISPLAY)
    await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="ended after workshops"))


async def on_behalf(env: WorkflowEnvironment, handle: Handle) -> None:
    """Issue 12's input shape: staff submit the partner's proposal for them (on_behalf_of), then it is
    accepted and the project is withdrawn at partnership."""
    actor = STAFF.model_copy(update={"label": "staff on behalf of Community Archive"})
    submission = MilestoneSubmission(
        milestone_key="proposal", actor=actor, summary="Sent in by e-mail", on_behalf_of=PARTNER_ID
    )
    await handle.execute_update(ProjectWorkflow.submit_milestone, submission)
    await review(handle, "proposal")
    await wait_for_stage(handle, Stage.PARTNERSHIP)
    await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="paused for a year"))


SCENARIOS: dict[str, Callable[[WorkflowEnvironment, Handle], Awaitable[None]]] = {
    "full-lifecycle": full_lifecycle,
    "declined": declined,
    "paused-withdrawn": paused_then_withdrawn,
    "follow-up-closed": through_follow_up,
    "follow-up-ended": ended_in_follow_up,
    "workshop-cancelled": workshop_cancelled,
    "on-behalf": on_behalf,
}
#: Scenarios whose child workflow's history is recorded as well, as followup-<scenario>-vN.json.
WITH_FOLLOW_UP = {"follow-up-closed", "follow-up-ended"}


Histories = dict[Path, WorkflowHistory]


async def _record_with(run: Callable[[WorkflowEnvironment, str], Awaitable[Histories]]) -> None:
    """Run a scenario on a fresh time-skipping server with stand-in activities; write its histories."""
    env = await start_time_skipping(REGISTRY)
    try:
        task_queue = f"record-{uuid.uuid4().hex}"
        async with stand_in_worker(env.client, task_queue, RecordedActivities()):
            histories = await run(env, task_queue)
    finally:
        await env.shutdown()
    for target, history in histories.items():
        target.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n", encoding="utf-8")


async def record(name: str, version: int = 1, **start: object) -> Path | None:
    """`start`: more of the start input (tests.workflows.support.project_input), e.g. `created_by`."""
    path = HISTORIES / f"project-{name}-v{version}.json"
    if path.exists():
        return None

    async def run(env: WorkflowEnvironment, task_queue: str) -> Histories:
        handle = await start_project(
            env.client,
            task_queue,
            "co-curation",
            await env.get_current_time(),
            project_id=f"history-{name}",
            follow_up_schedule=("P1M", "P3M"),
            **start,
        )
        await SCENARIOS[name](env, handle)
        await handle.result()
        histories = {path: await handle.fetch_history()}
        if name in WITH_FOLLOW_UP:
            child = env.client.get_workflow_handle(follow_up_workflow_id(f"history-{name}"))
            histories[HISTORIES / f"followup-{name}-v{version}.json"] = await child.fetch_history()
        return histories

    await _record_with(run)
    return path


async def record_exchange_year(version: int = 1) -> Path | None:
    """Issue 4's shapes: a programme year (one partner lapses) and one of its placement projects."""
    path = HISTORIES / f"exchange-year-v{version}.json"
    if path.exists():
        return None
    from tests.workflows.test_exchange import run_small_year  # test helpers, only when recording

    async def run(env: WorkflowEnvironment, task_queue: str) -> Histories:
        programme, placement = await run_small_year(env, task_queue)
        return {
            path: await programme.fetch_history(),
            HISTORIES / f"project-placement-v{version}.json": await placement.fetch_history(),
        }

    await _record_with(run)
    return path


async def record_exchange_opened_by(version: int = 1) -> Path | None:
    """Issue 14: the programme's start input names who opened it (created_by); programme_opened names
    them. Recorded while the programme waits for its partners (a running history replays as well)."""
    path = HISTORIES / f"exchange-opened-by-v{version}.json"
    if path.exists():
        return None
    from tests.workflows.test_exchange import open_programme

    async def run(env: WorkflowEnvironment, task_queue: str) -> Histories:
        programme = await open_programme(env.client, task_queue, await env.get_current_time(), 2033, created_by=STAFF)
        await env.sleep(timedelta(days=8))  # the partners' confirmation deadline passes: they lapse
        history = await programme.fetch_history()
        await programme.terminate("recorded")
        return {path: history}

    await _record_with(run)
    return path


async def record_exchange_launcher(version: int = 1) -> Path | None:
    """The launcher a yearly Schedule starts: it opens exchange/{year} and returns."""
    path = HISTORIES / f"exchangelauncher-opens-year-v{version}.json"
    if path.exists():
        return None
    from tests.workflows.test_exchange import year_plan

    async def run(env: WorkflowEnvironment, task_queue: str) -> Histories:
        handle = await env.client.start_workflow(
            ExchangeLauncherWorkflow.run, year_plan(), id="exchange-schedule-history", task_queue=task_queue
        )
        await handle.result()
        return {path: await handle.fetch_history()}

    await _record_with(run)
    return path


async def main() -> None:
    special = {
        "exchange-year": lambda: record_exchange_year(2),
        "exchange-launcher": record_exchange_launcher,
        # Issue 6: wave activities as local activities (patch 6-wave-local).
        "follow-up-local-waves": lambda: record("follow-up-closed", 2),
        # Issue 6: the project sets its own search attributes (patch 6-project-search-attributes).
        "project-search-attributes": lambda: record("declined", 2),
        # Issue 12: a declined proposal reads 'declined' (patch 12-declined-milestone).
        "declined-milestone": lambda: record("declined", 3),
        # Issue 14: the start input names who started the project (created_by); project_created names them.
        "created-by": lambda: record("declined", 4, created_by=STAFF),
        "exchange-opened-by": record_exchange_opened_by,
    }
    for name in sys.argv[1:] or [*SCENARIOS, *special]:
        written = await (special[name]() if name in special else record(name))
        sys.stdout.write(f"{name}: {'wrote ' + str(written) if written else 'exists, left alone'}\n")


if __name__ == "__main__":
    asyncio.run(main())
