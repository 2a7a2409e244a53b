"""What a project's milestones read once decided or passed by (issue 12), run by the real workflow."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import Party, Stage
from domain.state import MilestoneStatus
from domain.submissions import Decision
from tests.workflows.driving import review, submit, wait_for_stage
from tests.workflows.support import RecordedActivities, stand_in_worker, start_project


async def test_a_declined_proposal_reads_declined(time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = time_skipping_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(handle, "proposal", Party.PARTNER)
        await review(handle, "proposal", Decision.DECLINE, note="Outside this year's programme.")
        final = await handle.result()
    proposal = final.milestone("proposal")
    assert final.stage is Stage.DECLINED
    assert proposal is not None and proposal.status is MilestoneStatus.DECLINED


async def test_an_optional_milestone_nobody_did_reads_skipped_once_its_stage_closes(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(handle, "proposal", Party.PARTNER)
        await review(handle, "proposal")
        state = await wait_for_stage(handle, Stage.PARTNERSHIP)
    notes = state.milestone("proposal_review_notes")
    assert notes is not None and not notes.required
    assert notes.status is MilestoneStatus.SKIPPED
