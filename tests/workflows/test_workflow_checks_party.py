"""The workflow checks who acts itself (issue 13): the API is not the only guard.

A partner's key cannot reach the workshop, display and follow-up schedule routes, but anyone who can talk to Temporal
could send those Updates straight to the workflow. These tests do exactly that, with raw JSON the
way any client could, bypassing the API and our typed models: a partner actor, and no actor at all,
are refused with WrongParty by the workflow's own validators, and nothing changes. A staff actor is
accepted at the same moment, so the refusals are about the party, not the stage.

They run on the real dev server: the time-skipping test server stops skipping after a rejected update.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.events import EventType
from domain.lifecycle import Party, Stage
from domain.rules import RefusalKind
from domain.state import ProjectState
from tests.workflows.driving import review, submit, wait_for_stage
from tests.workflows.support import PARTNER_ID, RecordedActivities, refusal, stand_in_worker, start_project
from workflows.naming import project_workflow_id

PARTNER_ACTOR = {"party": "partner", "partner_id": PARTNER_ID, "label": "Community Archive"}
STAFF_ACTOR = {"party": "staff", "label": "Curator"}


async def _refused(handle: Any, update: str, payload: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(update, payload, result_type=dict)
    return refusal(err)


async def test_a_partner_cannot_schedule_a_workshop_set_the_display_or_move_follow_up_even_via_temporal(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        started = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(started, "proposal", Party.PARTNER)
        await review(started, "proposal")
        await wait_for_stage(started, Stage.PARTNERSHIP)  # both updates are in turn here, for staff

        state = await started.query("status", result_type=ProjectState)
        handle = env.client.get_workflow_handle(project_workflow_id(state.project_id))
        now = await env.get_current_time()
        session = {
            "title": "Object handling",
            "starts_at": (now + timedelta(days=3)).isoformat(),
            "ends_at": (now + timedelta(days=3, hours=2)).isoformat(),
            "place": "Study room",
        }
        display = {
            "title": "Voices of the Docks",
            "location": "Gallery 4",
            "opens_at": (now + timedelta(days=30)).isoformat(),
            "closes_at": (now + timedelta(days=90)).isoformat(),
        }
        refusals = {
            ("schedule_workshop", "partner"): await _refused(
                handle, "schedule_workshop", {**session, "actor": PARTNER_ACTOR}
            ),
            ("schedule_workshop", "nobody"): await _refused(handle, "schedule_workshop", session),
            ("set_display", "partner"): await _refused(handle, "set_display", {**display, "actor": PARTNER_ACTOR}),
            ("set_display", "nobody"): await _refused(handle, "set_display", display),
            ("set_follow_up_schedule", "partner"): await _refused(
                handle, "set_follow_up_schedule", {"offsets": ["P3M"], "actor": PARTNER_ACTOR}
            ),
            ("set_follow_up_schedule", "nobody"): await _refused(
                handle, "set_follow_up_schedule", {"offsets": ["P3M"]}
            ),
        }
        unchanged = await handle.query("status", result_type=ProjectState)
        workshop = await handle.execute_update("schedule_workshop", {**session, "actor": STAFF_ACTOR}, result_type=dict)
        shown = await handle.execute_update("set_display", {**display, "actor": STAFF_ACTOR}, result_type=dict)
        moved = await handle.execute_update(
            "set_follow_up_schedule", {"offsets": ["P3M"], "actor": STAFF_ACTOR}, result_type=dict
        )
        for _ in range(200):  # the events are recorded by an activity just after the update returns
            if EventType.FOLLOW_UP_SCHEDULED in recorded.types(state.project_id):
                break
            await asyncio.sleep(0.05)

    for (update, who), (kind, detail) in refusals.items():
        assert kind == RefusalKind.WRONG_PARTY, (update, who, kind, detail)
        assert detail["field"] == "actor", (update, who, detail)
    assert unchanged.workshops == [] and unchanged.display is None
    assert unchanged.event_seq == state.event_seq
    assert unchanged.follow_up_schedule == state.follow_up_schedule != ["P3M"]
    assert workshop["title"] == "Object handling" and shown["title"] == "Voices of the Docks"
    assert moved["follow_up_schedule"] == ["P3M"]
    # The timeline names who did it (it read "system", i.e. Engage itself, before the actor travelled).
    acted = {EventType.WORKSHOP_SCHEDULED, EventType.DISPLAY_SET, EventType.FOLLOW_UP_SCHEDULED}
    assert [(e.type, e.actor) for e in recorded.events(state.project_id) if e.type in acted] == [
        (EventType.WORKSHOP_SCHEDULED, "Curator"),
        (EventType.DISPLAY_SET, "Curator"),
        (EventType.FOLLOW_UP_SCHEDULED, "Curator"),
    ]
