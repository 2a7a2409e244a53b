"""Record issue 16's shape: `python -m tests.replay.record_history_16`.

A co-curation project started with intended outcomes, whose aims staff then edit (`edit_project` with
`intended_outcomes`: the 16-outcome-ratings marker), driven through every stage to evaluation, where the
partner's and the museum's reflections rate the outcomes (the marker again), then closed from follow-up
(project-outcome-ratings-v1.json). Same rules as tests/replay/record_history.py: a file that exists is
left alone, never regenerated; the data is fictional, and every payload is encrypted by the test key
(tests/temporal_env.py).
"""

from __future__ import annotations

import asyncio
import sys

from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import Stage
from domain.project_edits import ProjectEdit
from domain.submissions import MilestoneSubmission, StaffAction
from tests.replay.record_history import HISTORIES, Histories, _record_with
from tests.workflows.driving import complete_stage, wait_for_stage
from tests.workflows.support import CATALOG, PARTNER, STAFF, project_input
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

PROJECT_HISTORY = HISTORIES / "project-outcome-ratings-v1.json"
AIMS = {"skills_knowledge": 4, "relationships": 5}
EDITED_AIMS = {"skills_knowledge": 4, "relationships": 4, "confidence": 3}
PARTNER_LEVELS = {"skills_knowledge": 3, "relationships": 4, "confidence": 4}
MUSEUM_LEVELS = {"skills_knowledge": 4, "relationships": 3}


async def project_rates_outcomes(env: WorkflowEnvironment, task_queue: str) -> Histories:
    template = CATALOG.latest("co-curation")
    assert template is not None
    start = project_input(template, await env.get_current_time(), project_id="history-outcome-ratings")
    start = start.model_copy(update={"intended_outcomes": AIMS})
    handle = await env.client.start_workflow(
        ProjectWorkflow.run, start, id=project_workflow_id(start.project_id), task_queue=task_queue
    )
    await handle.execute_update(ProjectWorkflow.edit_project, ProjectEdit(actor=STAFF, intended_outcomes=EDITED_AIMS))
    stage = Stage.PROPOSAL
    while stage is not Stage.EVALUATION:
        stage = await complete_stage(env, handle, template)
    for key, actor, levels in (
        ("partner_reflection", PARTNER, PARTNER_LEVELS),
        ("staff_reflection", STAFF, MUSEUM_LEVELS),
    ):
        reflection = MilestoneSubmission(
            milestone_key=key, actor=actor, summary="What changed, as we see it.", outcome_ratings=levels
        )
        await handle.execute_update(ProjectWorkflow.submit_milestone, reflection)
    await wait_for_stage(handle, Stage.FOLLOW_UP)
    await handle.execute_update(ProjectWorkflow.close, StaffAction(actor=STAFF, reason="done"))
    await handle.result()
    return {PROJECT_HISTORY: await handle.fetch_history()}


async def record_all() -> list[str]:
    written: list[str] = []
    if not PROJECT_HISTORY.exists():
        await _record_with(project_rates_outcomes)
        written.append(PROJECT_HISTORY.name)
    return written


if __name__ == "__main__":
    names = asyncio.run(record_all())
    sys.stdout.write(f"written: {', '.join(names) or 'nothing (all exist, left alone)'}\n")
