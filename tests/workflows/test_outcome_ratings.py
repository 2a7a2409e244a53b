"""ProjectWorkflow and outcome ratings on the real dev server (issue 16): the workflow itself refuses ratings on
a milestone whose template does not carry them, and a level outside 1-5, whoever sends the update (raw JSON
straight to Temporal, as any client that reaches the server could); staff's edited aims reach the state and
the snapshot the read model takes.
"""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.state import ProjectState
from tests.api.support import eventually
from tests.workflows.support import PARTNER_ID, RecordedActivities, refusal, stand_in_worker, start_project
from workflows.project import ProjectWorkflow

PARTNER_ACTOR = {"party": "partner", "partner_id": PARTNER_ID, "label": "Community Archive"}
STAFF_ACTOR = {"party": "staff", "label": "Curator"}


async def test_the_workflow_refuses_ratings_where_the_template_has_none_and_keeps_edited_aims(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        proposal = {"milestone_key": "proposal", "actor": PARTNER_ACTOR, "summary": "Our idea"}

        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update("submit_milestone", {**proposal, "outcome_ratings": {"confidence": 4}})
        kind, detail = refusal(err)
        assert (kind, detail["field"]) == ("InvalidSubmission", "outcome_ratings")
        assert "does not rate outcomes" in detail["reason"]
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("submit_milestone", {**proposal, "outcome_ratings": {"confidence": 9}})
        state = await handle.query(ProjectWorkflow.status)
        assert state.milestone("proposal").submissions == []  # type: ignore[union-attr]

        edit = {"actor": STAFF_ACTOR, "intended_outcomes": {"confidence": 4, "relationships": 5}}
        answer = await handle.execute_update("edit_project", edit, result_type=ProjectState)
        assert answer.intended_outcomes == {"confidence": 4, "relationships": 5}

        async def snapshots() -> list[dict[str, int]]:
            return [batch.snapshot.intended_outcomes for batch in recorded.batches]

        found = await eventually(snapshots, lambda seen: {"confidence": 4, "relationships": 5} in seen)
        assert found[0] == {}  # the project started without aims
        await handle.execute_update("submit_milestone", proposal)  # without ratings: accepted as ever
