"""Closing or withdrawing a project in follow_up ends its surveys (issue 12): the open wave closes
(its links expire), waves not yet sent are cancelled, and no invitation or reminder follows."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from domain.follow_up import FollowUpState, WaveStatus
from domain.lifecycle import Stage
from domain.submissions import StaffAction
from tests.workflows.driving import complete_stage
from tests.workflows.support import CATALOG, STAFF, RecordedActivities, stand_in_worker, start_project
from tests.workflows.test_follow_up import calls
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import follow_up_workflow_id
from workflows.project import ProjectWorkflow


async def test_closing_a_project_in_follow_up_closes_the_open_wave_and_cancels_the_rest(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest("co-curation")
    assert template is not None
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(
            env.client, task_queue, "co-curation", await env.get_current_time(), follow_up_schedule=("P1M", "P3M")
        )
        stage = Stage.PROPOSAL
        while stage is not Stage.FOLLOW_UP:
            stage = await complete_stage(env, handle, template)
        await env.sleep(timedelta(days=32))  # the first wave is open (its window is 30 days)
        assert [w for w, _, _ in calls(recorded, "open")] == [0]
        assert calls(recorded, "close") == []

        closed_at = await env.get_current_time()
        closed = await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="Partner left"))
        assert closed.stage is Stage.CLOSED
        final = await handle.result()
        follow_up = env.client.get_workflow_handle_for(FollowUpWorkflow.run, follow_up_workflow_id(final.project_id))
        ended: FollowUpState = await follow_up.result()
        await env.sleep(timedelta(days=400))  # nothing more happens, however long we wait

    assert ended.finished is True and ended.ended_early == "Partner left"
    assert [w.status for w in ended.waves] == [WaveStatus.CLOSED, WaveStatus.CANCELLED]
    assert [w for w, _, _ in calls(recorded, "open")] == [0], "the cancelled wave never invites anyone"
    assert [w for w, _, _ in calls(recorded, "close")] == [0], "the open wave closed, expiring its links"
    assert all(at <= closed_at for _, _, at in calls(recorded, "remind")), "no reminder after the close"
    assert final.stage is Stage.CLOSED


async def test_withdrawing_a_project_in_follow_up_ends_its_surveys_too(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest("co-curation")
    assert template is not None
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(
            env.client, task_queue, "co-curation", await env.get_current_time(), follow_up_schedule=("P1M",)
        )
        stage = Stage.PROPOSAL
        while stage is not Stage.FOLLOW_UP:
            stage = await complete_stage(env, handle, template)
        await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="Funding ended"))
        final = await handle.result()
        follow_up = env.client.get_workflow_handle_for(FollowUpWorkflow.run, follow_up_workflow_id(final.project_id))
        ended = await follow_up.result()

    assert final.stage is Stage.WITHDRAWN
    assert [w.status for w in ended.waves] == [WaveStatus.CANCELLED]
    assert calls(recorded, "open") == [] and ended.finished
