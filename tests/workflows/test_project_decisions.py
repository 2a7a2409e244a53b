"""Human decisions on a project: return and resubmit, decline, withdraw, pause and resume, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.events import EventType
from domain.lifecycle import Party, Stage
from domain.state import MilestoneStatus
from domain.submissions import Decision, StaffAction
from tests.workflows.driving import milestone, review, status, submit, wait_for, wait_for_stage
from tests.workflows.support import STAFF, RecordedActivities, stand_in_worker, start_project
from workflows.project import ProjectWorkflow


async def test_a_returned_milestone_can_be_resubmitted_and_then_accepted(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(handle, "proposal", Party.PARTNER, summary="First draft")
        await review(handle, "proposal", Decision.RETURN, note="Please say who will take part.")
        returned = (await status(handle)).milestone("proposal")
        assert returned is not None and returned.status is MilestoneStatus.RETURNED
        await submit(handle, "proposal", Party.PARTNER, summary="Second draft, with participants")
        await review(handle, "proposal")
        state = await wait_for_stage(handle, Stage.PARTNERSHIP)

    proposal = state.milestone("proposal")
    assert proposal is not None and proposal.status is MilestoneStatus.ACCEPTED
    assert [(s.number, s.summary, s.decision) for s in proposal.submissions] == [
        (1, "First draft", Decision.RETURN),
        (2, "Second draft, with participants", Decision.ACCEPT),
    ]
    assert proposal.submissions[0].note == "Please say who will take part."


async def test_declining_a_proposal_ends_the_project_and_refuses_later_input(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(handle, "proposal", Party.PARTNER)
        await review(handle, "proposal", Decision.DECLINE, note="Outside this year's programme.")
        final = await handle.result()
        with pytest.raises(RPCError):  # a completed workflow takes no updates; the API answers 409
            await submit(handle, "proposal", Party.PARTNER)

    assert final.stage is Stage.DECLINED
    assert final.ended_reason == "Outside this year's programme."
    assert recorded.types(final.project_id)[-1] is EventType.PROJECT_DECLINED
    assert recorded.notified(final.project_id, EventType.PROJECT_DECLINED) == [("partners", "lead")]


async def test_withdrawing_mid_workshops_ends_the_project_cleanly(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        for key, party in [("proposal", Party.PARTNER), ("partnership_agreement", Party.PARTNER)]:
            await submit(handle, key, party)
            await review(handle, key)
            await wait_for(handle, lambda s, k=key: s.milestone(k).status is MilestoneStatus.ACCEPTED)
        await submit(handle, "access_needs", Party.STAFF)
        await wait_for_stage(handle, Stage.WORKSHOPS)
        await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="Partner closed"))
        final = await handle.result()
        with pytest.raises(RPCError):
            await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="again"))

    assert final.stage is Stage.WITHDRAWN and final.ended_reason == "Partner closed"
    assert final.stages[-1].stage is Stage.WORKSHOPS and final.stages[-1].closed_at is not None
    types = recorded.types(final.project_id)
    assert types[-1] is EventType.PROJECT_WITHDRAWN and types.count(EventType.PROJECT_WITHDRAWN) == 1


async def test_a_pause_holds_reminders_and_resume_shifts_due_dates_by_the_paused_time(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        before = (await status(handle)).milestone("proposal")
        assert before is not None and before.due_at is not None
        await env.sleep(timedelta(days=2))
        await handle.execute_update(ProjectWorkflow.pause, StaffAction(actor=STAFF, reason="Partner on leave"))
        await env.sleep(timedelta(days=40))  # well past every reminder and the due date
        paused = await status(handle)
        assert milestone(paused, "proposal").reminders_sent == []
        assert not milestone(paused, "proposal").overdue_notified
        await handle.execute_update(ProjectWorkflow.resume, StaffAction(actor=STAFF))
        resumed = await status(handle)
        await env.sleep(timedelta(days=13))  # 2 + 13 = 15 active days: the P7D reminder (day 14) only
        later = await wait_for(handle, lambda s: s.milestone("proposal").reminders_sent == ["P7D"])

    resumed_due = milestone(resumed, "proposal").due_at
    assert resumed_due is not None
    shifted = resumed_due - before.due_at
    assert timedelta(days=40) <= shifted < timedelta(days=40, minutes=1)
    assert not milestone(later, "proposal").overdue_notified
    assert resumed.paused_seconds >= timedelta(days=40).total_seconds()
    types = recorded.types(later.project_id)
    assert types.index(EventType.PROJECT_PAUSED) < types.index(EventType.PROJECT_RESUMED)
    assert types.index(EventType.PROJECT_RESUMED) < types.index(EventType.MILESTONE_REMINDER)
