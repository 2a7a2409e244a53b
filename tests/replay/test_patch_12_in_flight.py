"""Issue 12's workflow patches and the runs already in flight.

`SESSIONS_RECORDED_PATCH`: a run that was waiting at workshops with an unrecorded session before
the redeploy keeps the old gate (its replay meets the gate without a marker) and replays.

`ENDING_ENDS_FOLLOW_UP_PATCH` (workflows/project.py): before it, closing a project in follow_up
returned at once and its FollowUpWorkflow was only sent a cancellation by the parent-close policy.
A run closed that way by the old code must replay under today's code; a run that reached follow_up
under the old code and is closed after the redeploy gets the new behaviour (its surveys end
properly), because `patched` answers True for what it has not done yet.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker

from domain.follow_up import WaveStatus
from domain.lifecycle import Party, Stage
from domain.state import ProjectInput, ProjectState
from domain.submissions import Attendance, StaffAction, WorkshopSession
from tests.faults.support import settled
from tests.replay.test_patch_in_flight import patch_markers, redeployed
from tests.temporal_env import codec_converter
from tests.workflows.driving import Handle, complete_stage, review, submit, wait_for_stage
from tests.workflows.support import CATALOG, STAFF, RecordedActivities, start_project, terminate_started
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import PROJECT_WORKFLOW, follow_up_workflow_id
from workflows.project import ENDING_ENDS_FOLLOW_UP_PATCH, SESSIONS_RECORDED_PATCH, ProjectWorkflow
from workflows.registry import WORKFLOWS, sandbox_runner


@workflow.defn(name=PROJECT_WORKFLOW)
class PreIssue12ProjectWorkflow(ProjectWorkflow):
    """ProjectWorkflow as deployed before issue 12: ending it leaves the follow-up to the parent-close policy."""

    @workflow.run
    async def run(self, start: ProjectInput) -> ProjectState:
        return await super().run(start)

    async def _end_follow_up_early(self) -> None:
        return None


def old_deployment(env: WorkflowEnvironment, task_queue: str, activities: RecordedActivities) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[PreIssue12ProjectWorkflow, FollowUpWorkflow],
        activities=activities.all(),
        workflow_runner=UnsandboxedWorkflowRunner(),  # the test-only subclass lives in a test module
        max_cached_workflows=0,
    )


async def _to_follow_up(env: WorkflowEnvironment, task_queue: str) -> Handle:
    template = CATALOG.latest("co-curation")
    assert template is not None
    handle = await start_project(
        env.client, task_queue, "co-curation", await env.get_current_time(), follow_up_schedule=("P1M", "P3M")
    )
    stage = Stage.PROPOSAL
    while stage is not Stage.FOLLOW_UP:
        stage = await complete_stage(env, handle, template)
    await env.sleep(timedelta(days=32))  # the first wave is open
    return handle


async def test_a_project_closed_in_follow_up_by_the_old_code_replays_under_todays_code(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    try:
        async with old_deployment(env, task_queue, RecordedActivities()):
            handle = await _to_follow_up(env, task_queue)
            await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="done"))
            await handle.result()
        history = await handle.fetch_history()
    finally:
        await terminate_started()

    assert ENDING_ENDS_FOLLOW_UP_PATCH not in str(patch_markers(list(history.events)))
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"the old run no longer replays: {result.replay_failure}"


async def test_a_project_that_reached_follow_up_before_the_patch_ends_its_surveys_when_closed_after_it(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    before, after = RecordedActivities(), RecordedActivities()
    try:
        async with old_deployment(env, task_queue, before):
            handle = await _to_follow_up(env, task_queue)
            await settled(handle)
            # The child's wave work (local activities) must be done too before this worker goes away.
            await settled(env.client.get_workflow_handle(follow_up_workflow_id(handle.id.removeprefix("project/"))))
        async with redeployed(env, task_queue, after):
            await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="done"))
            final = await handle.result()
            follow_up = env.client.get_workflow_handle_for(
                FollowUpWorkflow.run, follow_up_workflow_id(final.project_id)
            )
            ended = await follow_up.result()
        history = await handle.fetch_history()
    finally:
        await terminate_started()

    assert final.stage is Stage.CLOSED
    assert [w.status for w in ended.waves] == [WaveStatus.CLOSED, WaveStatus.CANCELLED] and ended.finished
    assert ENDING_ENDS_FOLLOW_UP_PATCH in str(patch_markers(list(history.events)))


@workflow.defn(name=PROJECT_WORKFLOW)
class PreSessionsPatchProjectWorkflow(ProjectWorkflow):
    """ProjectWorkflow before `SESSIONS_RECORDED_PATCH`: the workshops gate ignores unrecorded sessions."""

    @workflow.run
    async def run(self, start: ProjectInput) -> ProjectState:
        return await super().run(start)

    def _sessions_hold(self) -> bool:
        return False


async def test_a_project_waiting_at_workshops_before_the_sessions_patch_keeps_the_old_gate(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    """Old behaviour for an old run: its replay meets the gate without the marker, so after the
    redeploy the stage still closes on the milestone and the held sessions, as it was deployed."""
    env = time_skipping_env
    template = CATALOG.latest("co-curation")
    assert template is not None
    old = Worker(
        env.client,
        task_queue=task_queue,
        workflows=[PreSessionsPatchProjectWorkflow],
        activities=RecordedActivities().all(),
        workflow_runner=UnsandboxedWorkflowRunner(),
        max_cached_workflows=0,
    )
    try:
        async with old:
            handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
            for _ in range(2):  # proposal, partnership
                await complete_stage(env, handle, template)
            now = await env.get_current_time()
            for n in (1, 2):
                starts = now + timedelta(days=n)
                session = WorkshopSession(
                    title=f"Session {n}",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    place="Hall",
                    actor=STAFF,
                )
                await handle.execute_update(ProjectWorkflow.schedule_workshop, session)
            await env.sleep(timedelta(days=3))
            attended = Attendance(workshop_id="w1", attendance=9, actor=STAFF)
            await handle.execute_update(ProjectWorkflow.record_attendance, attended)
            await submit(handle, "object_selection", Party.PARTNER)
            await settled(handle)
        async with redeployed(env, task_queue, RecordedActivities()):
            await review(handle, "object_selection")
            moved = await wait_for_stage(handle, Stage.DISPLAY)
            await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="test over"))
            await handle.result()
        history = await handle.fetch_history()
    finally:
        await terminate_started()

    assert [(w.id, w.attendance) for w in moved.workshops] == [("w1", 9), ("w2", None)]
    assert SESSIONS_RECORDED_PATCH not in str(patch_markers(list(history.events)))
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"the old run no longer replays: {result.replay_failure}"
