"""What a project's milestones read once decided or passed by (issue 12), run by the real workflow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.events import EventType
from domain.lifecycle import Party, Stage
from domain.state import MilestoneStatus
from domain.submissions import Attendance, Decision, MilestoneSubmission, WorkshopCancellation, WorkshopSession
from tests.workflows.driving import complete_stage, review, status, submit, wait_for_stage
from tests.workflows.support import (
    CATALOG,
    PARTNER,
    PARTNER_ID,
    STAFF,
    RecordedActivities,
    refusal,
    stand_in_worker,
    start_project,
)
from workflows.project import ProjectWorkflow


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


async def test_the_workshops_stage_waits_for_every_session_until_staff_cancel_the_one_not_held(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest("co-curation")
    assert template is not None
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        for _ in range(2):  # proposal, partnership
            await complete_stage(env, handle, template)
        now = await env.get_current_time()
        for n in (1, 2):
            session = WorkshopSession(
                title=f"Session {n}",
                starts_at=now + timedelta(days=n),
                ends_at=now + timedelta(days=n, hours=2),
                place="Learning Centre",
                actor=STAFF,
            )
            await handle.execute_update(ProjectWorkflow.schedule_workshop, session)
        await env.sleep(timedelta(days=3))
        attended = Attendance(workshop_id="w1", attendance=9, actor=STAFF)
        await handle.execute_update(ProjectWorkflow.record_attendance, attended)
        await submit(handle, "object_selection", Party.PARTNER)
        await review(handle, "object_selection")
        held = await status(handle)
        assert held.stage is Stage.WORKSHOPS, "w2 has not been recorded: its attendance would be lost"

        cancelled = await handle.execute_update(
            ProjectWorkflow.cancel_workshop,
            WorkshopCancellation(workshop_id="w2", reason="The room flooded", actor=STAFF),
        )
        moved = await wait_for_stage(handle, Stage.DISPLAY)
        with pytest.raises(WorkflowUpdateFailedError) as twice:
            await handle.execute_update(
                ProjectWorkflow.cancel_workshop,
                WorkshopCancellation(workshop_id="w2", reason="again", actor=STAFF),
            )

    assert cancelled.cancelled_at is not None and cancelled.cancel_reason == "The room flooded"
    assert [(w.id, w.attendance, w.cancelled_at is not None) for w in moved.workshops] == [
        ("w1", 9, False),
        ("w2", None, True),
    ]
    assert refusal(twice)[0] == "OutOfTurn"
    assert recorded.notified(moved.project_id, EventType.WORKSHOP_CANCELLED) == [("partners",)]


async def test_staff_submit_a_partners_milestone_on_their_behalf_and_partners_may_not(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    for_partner = STAFF.model_copy(update={"label": "Curator on behalf of Community Archive"})
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        with pytest.raises(WorkflowUpdateFailedError) as by_partner:
            await handle.execute_update(
                ProjectWorkflow.submit_milestone,
                MilestoneSubmission(milestone_key="proposal", actor=PARTNER, summary="x", on_behalf_of=PARTNER_ID),
            )
        proposal = await handle.execute_update(
            ProjectWorkflow.submit_milestone,
            MilestoneSubmission(
                milestone_key="proposal", actor=for_partner, summary="Sent by e-mail", on_behalf_of=PARTNER_ID
            ),
        )
        await review(handle, "proposal")
        state = await wait_for_stage(handle, Stage.PARTNERSHIP)

    assert refusal(by_partner) == (
        "WrongParty",
        {"field": "on_behalf_of", "reason": "only museum staff may submit for a partner"},
    )
    assert proposal.submissions[0].on_behalf_of == PARTNER_ID
    (submitted,) = [e for e in recorded.events(state.project_id) if e.type is EventType.MILESTONE_SUBMITTED]
    assert submitted.actor == "Curator on behalf of Community Archive"
    assert submitted.detail == {"submission": 1, "on_behalf_of": PARTNER_ID}
