"""ProjectWorkflow walks each shipped template from proposal to follow-up, in skipped time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.events import EventType
from domain.lifecycle import Stage
from domain.submissions import StaffAction
from tests.workflows.driving import complete_stage, milestone, status, wait_for
from tests.workflows.support import CATALOG, STAFF, RecordedActivities, stand_in_worker, start_project
from workflows.project import ProjectWorkflow


@pytest.mark.parametrize("template_name", ["co-curation", "collections-research", "co-designed-programme"])
async def test_each_shipped_template_walks_from_proposal_to_follow_up_and_closes(
    time_skipping_env: WorkflowEnvironment, task_queue: str, template_name: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest(template_name)
    assert template is not None
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, template_name, await env.get_current_time())
        visited = [Stage.PROPOSAL]
        while visited[-1] is not Stage.FOLLOW_UP:
            visited.append(await complete_stage(env, handle, template))
        assert visited == [s.stage for s in template.stages]
        await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="Follow-up complete"))
        final = await handle.result()

    assert final.stage is Stage.CLOSED
    assert all(record.closed_at is not None for record in final.stages)
    events = recorded.events(final.project_id)
    assert [e.seq for e in events] == list(range(1, final.event_seq + 1)), "the event log has a gap"
    opened = [e.detail["stage"] for e in events if e.type is EventType.STAGE_OPENED]
    assert opened == [s.value for s in visited]
    assert events[-1].type is EventType.PROJECT_CLOSED
    if template.stage(Stage.DISPLAY) is not None:
        assert EventType.DISPLAY_OPENED in recorded.types() and EventType.DISPLAY_CLOSED in recorded.types()
    else:
        assert "display" not in opened
    history = await handle.fetch_history()
    assert len(history.events) < 400, f"a whole lifecycle took {len(history.events)} history events"


async def test_reminders_an_overdue_notice_and_an_escalation_fire_on_their_dates(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        # The proposal is due 21 days after the stage opens; reminders 7 and 1 day before,
        # an overdue notice on the day, escalation to the lead 7 days after.
        await env.sleep(timedelta(days=14, hours=12))
        state = await wait_for(handle, lambda s: s.milestone("proposal").reminders_sent == ["P7D"])
        assert not milestone(state, "proposal").overdue_notified
        await env.sleep(timedelta(days=8))
        state = await wait_for(handle, lambda s: s.milestone("proposal").overdue_notified)
        assert milestone(state, "proposal").reminders_sent == ["P7D", "P1D"]
        assert not milestone(state, "proposal").escalated
        await env.sleep(timedelta(days=7, hours=1))
        state = await wait_for(handle, lambda s: s.milestone("proposal").escalated)
        await env.sleep(timedelta(days=60))
        state = await status(handle)

    project_id = state.project_id
    proposal_events = [e.type for e in recorded.events(project_id) if e.milestone_key == "proposal"]
    assert proposal_events == [
        EventType.MILESTONE_REMINDER,
        EventType.MILESTONE_REMINDER,
        EventType.MILESTONE_OVERDUE,
        EventType.MILESTONE_ESCALATED,
    ], "each dated action fires exactly once"
    assert recorded.notified(project_id, EventType.MILESTONE_ESCALATED)[0] == ("lead",)
    assert ("partners",) in recorded.notified(project_id, EventType.MILESTONE_OVERDUE)
