"""Runs started before a patch finish under today's code the way they began.

`FOLLOW_UP_SURVEYS_PATCH` (workflows/project.py) made follow_up run FollowUpWorkflow; before it,
a project in follow_up waited for staff to close it. Here a project is started and driven to
follow_up on a worker whose ProjectWorkflow is the pre-patch code (a test-only subclass registered
under the same wire name, whose follow-up step does nothing and so records no patch marker). That
worker then goes away, as in a redeploy, and a fresh worker with the current code takes over: it
replays the old history, `workflow.patched` answers False for this run, and the project keeps
waiting for staff and closes on the `close` update — no survey workflow is ever started.

`WAVE_ACTIVITIES_LOCAL_PATCH` (workflows/follow_up.py) made the wave activities local: the same
redeploy, for a follow-up whose first wave was opened by an ordinary activity.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from domain.durations import IsoDuration
from domain.events import EventType as DomainEventType
from domain.follow_up import FollowUpInput, FollowUpState
from domain.lifecycle import Stage
from domain.state import ProjectInput, ProjectState
from domain.submissions import StaffAction
from tests.faults.support import settled
from tests.workflows.driving import complete_stage, status
from tests.workflows.support import CATALOG, STAFF, RecordedActivities, start_project, terminate_started
from workflows.follow_up import WAVE_ACTIVITIES_LOCAL_PATCH, FollowUpWorkflow
from workflows.naming import FOLLOW_UP_WORKFLOW, PROJECT_WORKFLOW, follow_up_workflow_id
from workflows.project import FOLLOW_UP_SURVEYS_PATCH, ProjectWorkflow
from workflows.registry import WORKFLOWS, sandbox_runner


@workflow.defn(name=PROJECT_WORKFLOW)
class PrePatchProjectWorkflow(ProjectWorkflow):
    """ProjectWorkflow as deployed before issue 3: reaching follow_up starts nothing."""

    @workflow.run
    async def run(self, start: ProjectInput) -> ProjectState:
        return await super().run(start)

    def _start_follow_up_when_due(self) -> None:
        return None


def patch_markers(history_events: list[HistoryEvent]) -> list[str]:
    """The patch ids a history recorded (`workflow.patched` markers), as their JSON payloads."""
    return [
        e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data.decode()
        for e in history_events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]


def deployed_before(
    env: WorkflowEnvironment, task_queue: str, workflow_class: type, activities: RecordedActivities
) -> Worker:
    """A worker running `workflow_class`, a test-only pre-patch subclass, as the old deployment."""
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[workflow_class],
        activities=activities.all(),
        # The test-only subclass lives in a test module, which the sandbox would re-import.
        workflow_runner=UnsandboxedWorkflowRunner(),
        # No sticky queue: once this worker is gone, nothing waits for it to come back.
        max_cached_workflows=0,
    )


def redeployed(env: WorkflowEnvironment, task_queue: str, activities: RecordedActivities) -> Worker:
    """A fresh worker (empty cache) with today's workflows, as after the redeploy."""
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=activities.all(),
        workflow_runner=sandbox_runner(strict=True),
    )


async def test_a_project_that_reached_follow_up_before_the_patch_waits_for_staff_under_the_new_code(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest("co-curation")
    assert template is not None
    before, after = RecordedActivities(), RecordedActivities()
    old = deployed_before(env, task_queue, PrePatchProjectWorkflow, before)
    try:
        async with old:
            handle = await start_project(
                env.client, task_queue, "co-curation", await env.get_current_time(), follow_up_schedule=("P1M",)
            )
            stage = Stage.PROPOSAL
            while stage is not Stage.FOLLOW_UP:
                stage = await complete_stage(env, handle, template)
            # 👉 The old code must have *run* its follow-up step: `patched` decides on the first task
            # it is not replaying, so a task still queued at the redeploy would take the new path.
            await settled(handle)
        history = [e async for e in handle.fetch_history_events()]
        assert FOLLOW_UP_SURVEYS_PATCH not in str(patch_markers(history)), "the old code recorded no marker"

        # -- redeploy: a fresh worker (empty cache) with today's workflows ---------------------
        async with redeployed(env, task_queue, after):
            await env.sleep(timedelta(days=400))  # past every wave the patched code would have sent
            assert (await status(handle)).stage is Stage.FOLLOW_UP, "still waiting for staff"
            closed = await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="done"))
            assert closed.stage is Stage.CLOSED
            result = await handle.result()
    finally:
        await terminate_started()

    assert result.stage is Stage.CLOSED
    assert DomainEventType.FOLLOW_UP_STARTED not in before.types() + after.types()
    assert DomainEventType.PROJECT_CLOSED in after.types(), "the new code recorded the close"
    with pytest.raises(RPCError) as no_child:
        await env.client.get_workflow_handle(follow_up_workflow_id(result.project_id)).describe()
    assert no_child.value.status is RPCStatusCode.NOT_FOUND
    history = [e async for e in handle.fetch_history_events()]
    assert not [e for e in history if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]
    assert FOLLOW_UP_SURVEYS_PATCH not in str(patch_markers(history))


@workflow.defn(name=FOLLOW_UP_WORKFLOW)
class PrePatchFollowUpWorkflow(FollowUpWorkflow):
    """FollowUpWorkflow as deployed before issue 6: wave activities are ordinary activities."""

    @workflow.run
    async def run(self, start: FollowUpInput) -> FollowUpState:
        return await super().run(start)

    def _wave_activities_local(self) -> bool:
        return False


def _activity_kinds(history_events: list[HistoryEvent]) -> tuple[list[str], int]:
    """Ordinary activities scheduled (by type), and local activity markers, in a history."""
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history_events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    local = [
        e
        for e in history_events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]
    return scheduled, len(local)


async def test_a_follow_up_whose_wave_opened_before_the_local_activity_patch_finishes_the_old_way(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    """A run that opened its wave with an ordinary activity keeps ordinary activities for the rest of
    its waves under today's code (its history replays); a run started today uses local ones."""
    env = time_skipping_env
    before, after = RecordedActivities(), RecordedActivities()
    now = await env.get_current_time()
    old_start = FollowUpInput(project_id="pre-patch", anchor_at=now, offsets=(IsoDuration("P1M"),))
    new_start = FollowUpInput(project_id="post-patch", anchor_at=now, offsets=(IsoDuration("P1M"),))
    old = deployed_before(env, task_queue, PrePatchFollowUpWorkflow, before)
    try:
        async with old:
            handle = await env.client.start_workflow(
                PrePatchFollowUpWorkflow.run,
                old_start,
                id=follow_up_workflow_id(old_start.project_id),
                task_queue=task_queue,
            )
            await env.sleep(timedelta(days=33))  # the wave has opened (10:00 local, a month on)
            await settled(handle)
            assert [k for k, *_ in before.wave_calls] == ["open"]
        async with redeployed(env, task_queue, after):
            fresh = await env.client.start_workflow(
                FollowUpWorkflow.run,
                new_start,
                id=follow_up_workflow_id(new_start.project_id),
                task_queue=task_queue,
            )
            await env.sleep(timedelta(days=60))  # reminders and the close, for both runs
            old_result, new_result = await handle.result(), await fresh.result()
    finally:
        await terminate_started()

    assert old_result.finished and new_result.finished
    old_history = [e async for e in handle.fetch_history_events()]
    new_history = [e async for e in fresh.fetch_history_events()]
    old_scheduled, old_local = _activity_kinds(old_history)
    new_scheduled, new_local = _activity_kinds(new_history)
    assert old_scheduled[0] == "open_survey_wave" and "close_survey_wave" in old_scheduled
    assert old_local == 1  # only the wave plan, local since issue 3
    assert WAVE_ACTIVITIES_LOCAL_PATCH not in str(patch_markers(old_history))
    assert "open_survey_wave" not in new_scheduled and new_local >= 3  # the plan, then open, reminders and close
    assert WAVE_ACTIVITIES_LOCAL_PATCH in str(patch_markers(new_history))
