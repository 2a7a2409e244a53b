"""ProjectWorkflow.edit_project on the real dev server (issue 15): the workflow itself checks who acts.

Sent straight to Temporal as raw JSON (as any client that reaches the server could), a partner of the
project is refused `WrongParty` on `actor` and nothing changes; staff are accepted, the state and the
recorded `project_edited` event (with the staff actor's label) and the snapshot the read model takes
follow.
"""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.events import EventType
from domain.state import ProjectState
from tests.api.support import eventually
from tests.workflows.support import PARTNER_ID, RecordedActivities, refusal, stand_in_worker, start_project
from workflows.project import ProjectWorkflow

PARTNER_ACTOR = {"party": "partner", "partner_id": PARTNER_ID, "label": "Community Archive"}
STAFF_ACTOR = {"party": "staff", "label": "Curator"}


async def test_a_partner_is_refused_and_staff_edit_with_the_event_naming_them(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        before = await handle.query(ProjectWorkflow.status)

        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update("edit_project", {"actor": PARTNER_ACTOR, "title": "Ours now"}, result_type=dict)
        kind, detail = refusal(err)
        assert (kind, detail["field"]) == ("WrongParty", "actor")
        assert (await handle.query(ProjectWorkflow.status)).title == before.title

        body: dict[str, Any] = {
            "actor": STAFF_ACTOR,
            "title": "Voices of the Estuary",
            "lead": {"name": "New Lead", "email": "new.lead@museum.example"},
            "partner_ids": [PARTNER_ID, "p-mill"],
        }
        answer = await handle.execute_update("edit_project", body, result_type=ProjectState)
        assert answer.title == "Voices of the Estuary"
        assert answer.lead.email == "new.lead@museum.example"
        assert answer.partner_ids == [PARTNER_ID, "p-mill"]

        def edited() -> list[Any]:
            return [
                r.event for batch in recorded.batches for r in batch.events if r.event.type is EventType.PROJECT_EDITED
            ]

        async def probe() -> list[Any]:
            return edited()

        events = await eventually(probe, bool)
        assert events[0].actor == "Curator"
        assert events[0].detail == {
            "fields": "title,lead,partner_ids",
            "title": "Voices of the Estuary",
            "partners_added": "p-mill",
            "partners_removed": "",
        }
        snapshot = next(
            b.snapshot for b in reversed(recorded.batches) if b.events[-1].event.type is EventType.PROJECT_EDITED
        )
        assert snapshot.title == "Voices of the Estuary"
