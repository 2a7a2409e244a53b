"""Issue 12's workflow patches and the runs already in flight.

`ENDING_ENDS_FOLLOW_UP_PATCH` (workflows/project.py): before it, closing a project in follow_up
returned at once and its FollowUpWorkflow was only sent a cancellation by the parent-close policy.
A run closed that way by the old code must replay under today's code; a run that reached follow_up
under the old code and is closed after the redeploy gets the new behaviour (its surveys end
properly), because `patched` answers True for what it has not done yet.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker

from domain.follow_up import WaveStatus
from domain.lifecycle import Stage
from domain.state import ProjectInput, ProjectState
from domain.submissions import StaffAction
from tests.faults.support import settled
from tests.replay.test_patch_in_flight import patch_markers, redeployed
from tests.workflows.driving import Handle, complete_stage
from tests.workflows.support import CATALOG, STAFF, RecordedActivities, start_project, terminate_started
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import PROJECT_WORKFLOW, follow_up_workflow_id
from workflows.project import ENDING_ENDS_FOLLOW_UP_PATCH, ProjectWorkflow
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
        activities=activities.all(),  # type: ignore[arg-type]
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
        workflows=list(WORKFLOWS), data_converter=pydantic_data_converter, workflow_runner=sandbox_runner(strict=True)
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
