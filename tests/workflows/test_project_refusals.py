"""Refused input: every refusal is typed and names the field, and refused input changes nothing.

These run on the real dev server, not the time-skipping one: they need no skipped time, and
the time-skipping test server stops skipping after it has rejected an update.
"""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import Party, Stage
from domain.rules import RefusalKind
from domain.submissions import Decision, MilestoneSubmission, StaffAction
from tests.workflows.driving import milestone, review, status, submit, wait_for_stage
from tests.workflows.support import PARTNER, STAFF, RecordedActivities, refusal, stand_in_worker, start_project
from workflows.project import ProjectWorkflow


async def test_a_project_can_only_be_declined_at_the_proposal_stage(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(handle, "proposal", Party.PARTNER)
        await review(handle, "proposal")
        await wait_for_stage(handle, Stage.PARTNERSHIP)
        await submit(handle, "partnership_agreement", Party.PARTNER)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await review(handle, "partnership_agreement", Decision.DECLINE, note="No")
    assert isinstance(err.value.cause, ApplicationError)
    assert refusal(err) == (RefusalKind.OUT_OF_TURN, {"field": "decision", "reason": err.value.cause.message})


async def test_withdrawal_needs_a_reason(temporal_dev_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_dev_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(ProjectWorkflow.withdraw, StaffAction(actor=STAFF, reason="  "))
    kind, detail = refusal(err)
    assert kind == RefusalKind.INVALID and detail["field"] == "reason"


async def test_out_of_turn_unknown_wrong_party_and_duplicate_input_is_refused_with_a_typed_reason(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        cases = [
            ("labels", PARTNER, RefusalKind.OUT_OF_TURN),  # a display milestone during the proposal
            ("no_such_thing", PARTNER, RefusalKind.UNKNOWN),
            ("proposal", STAFF, RefusalKind.WRONG_PARTY),  # the partner submits the proposal
        ]
        for key, actor, expected_kind in cases:
            sub = MilestoneSubmission(milestone_key=key, actor=actor, summary="x")
            with pytest.raises(WorkflowUpdateFailedError) as err:
                await handle.execute_update(ProjectWorkflow.submit_milestone, sub)
            found_kind, detail = refusal(err)
            assert found_kind == expected_kind and detail["field"] == "milestone_key" and detail["reason"]
        await submit(handle, "proposal", Party.PARTNER)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await submit(handle, "proposal", Party.PARTNER)
        kind, detail = refusal(err)
        assert kind == RefusalKind.OUT_OF_TURN and "already been submitted" in detail["reason"]
        state = await status(handle)
    assert len(milestone(state, "proposal").submissions) == 1, "refused input changes nothing"


async def test_an_update_id_makes_a_resubmission_a_no_op(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        sub = MilestoneSubmission(milestone_key="proposal", actor=PARTNER, summary="Once")
        first = await handle.execute_update(ProjectWorkflow.submit_milestone, sub, id="idem-key-1")
        again = await handle.execute_update(ProjectWorkflow.submit_milestone, sub, id="idem-key-1")
        state = await status(handle)
    assert first == again
    assert len(milestone(state, "proposal").submissions) == 1
