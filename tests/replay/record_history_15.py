"""Record issue 15's shape: `python -m tests.replay.record_history_15`.

Staff edit a project in flight (`edit_project`): they change the title and the partners, an edit to the
same values changes nothing (no event), the partner submits the proposal and staff decline it
(project-edited-v1.json). A partner's refused edit is not sent: a validator's rejection writes nothing to
history, and the time-skipping server stops skipping after one. Same rules as
tests/replay/record_history.py: a file that exists is left alone, never regenerated; the data is
fictional, and every payload is encrypted by the test key (tests/temporal_env.py).
"""

from __future__ import annotations

import asyncio
import sys

from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import Party
from domain.project_edits import ProjectEdit
from domain.submissions import Decision
from tests.replay.record_history import HISTORIES, Histories, _record_with
from tests.workflows.driving import review, submit
from tests.workflows.support import PARTNER_ID, STAFF, start_project
from workflows.project import ProjectWorkflow

PROJECT_HISTORY = HISTORIES / "project-edited-v1.json"
EDITED_TITLE = "Voices of the Estuary"


async def project_is_edited(env: WorkflowEnvironment, task_queue: str) -> Histories:
    handle = await start_project(
        env.client, task_queue, "co-curation", await env.get_current_time(), project_id="history-edited"
    )
    edit = ProjectEdit(actor=STAFF, title=EDITED_TITLE, partner_ids=(PARTNER_ID, "p-mill"))
    await handle.execute_update(ProjectWorkflow.edit_project, edit)
    await handle.execute_update(ProjectWorkflow.edit_project, ProjectEdit(actor=STAFF, title=EDITED_TITLE))
    await submit(handle, "proposal", Party.PARTNER)
    await review(handle, "proposal", Decision.DECLINE, note="Not this year")
    await handle.result()
    return {PROJECT_HISTORY: await handle.fetch_history()}


async def record_all() -> list[str]:
    written: list[str] = []
    if not PROJECT_HISTORY.exists():
        await _record_with(project_is_edited)
        written.append(PROJECT_HISTORY.name)
    return written


if __name__ == "__main__":
    names = asyncio.run(record_all())
    sys.stdout.write(f"written: {', '.join(names) or 'nothing (all exist, left alone)'}\n")
