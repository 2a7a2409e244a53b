"""The workflow checks who acts for every project and follow-up Update (issue 13), not only the API.

tests/workflows/test_workflow_checks_party.py covers the workshop, display and follow-up schedule
updates; this covers the rest of ProjectWorkflow's updates and FollowUpWorkflow.reschedule. Each
test talks to Temporal DIRECTLY, with raw JSON the way any client that can reach the server could,
bypassing the API and our typed models: a partner of the project (or of another project) is refused
`WrongParty` on the `actor` field by the workflow's own validators, nothing changes, and the same
update from the rightful actor is accepted at the same moment, so the refusals are about the party.

They run on the real dev server: the time-skipping test server stops skipping after a rejected update.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.durations import IsoDuration
from domain.follow_up import FollowUpInput, FollowUpState
from domain.lifecycle import Party, Stage
from domain.rules import RefusalKind
from domain.state import ProjectState
from tests.workflows.driving import milestone, review, submit, wait_for_stage
from tests.workflows.support import (
    _STARTED,
    PARTNER_ID,
    RecordedActivities,
    refusal,
    stand_in_worker,
    start_project,
)
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import follow_up_workflow_id, project_workflow_id

PARTNER_ACTOR = {"party": "partner", "partner_id": PARTNER_ID, "label": "Community Archive"}
#: A partner organisation Engage knows, taking part in some other project, not this one.
OTHER_PARTNER_ACTOR = {"party": "partner", "partner_id": "p-elsewhere", "label": "Elsewhere Society"}
STAFF_ACTOR = {"party": "staff", "label": "Curator"}


async def _refused(handle: Any, update: str, payload: dict[str, Any]) -> tuple[str | None, str]:
    """Send `update` straight to Temporal; it must be refused. Returns the refusal's (type, field)."""
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(update, payload, result_type=dict)
    kind, detail = refusal(err)
    return kind, detail["field"]


async def _accepted(handle: Any, update: str, payload: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = await handle.execute_update(update, payload, result_type=dict)
    return answer


async def test_a_partner_cannot_review_record_cancel_pause_resume_withdraw_or_close_and_only_its_own_project_takes_its_submissions_even_via_temporal(  # noqa: E501
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        started = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(started, "proposal", Party.PARTNER)
        await review(started, "proposal")
        state = await wait_for_stage(started, Stage.PARTNERSHIP)
        handle = env.client.get_workflow_handle(project_workflow_id(state.project_id))
        now = await env.get_current_time()
        # Staff schedule one session that has been held and one still to come (both in turn here).
        held = await _accepted(
            handle,
            "schedule_workshop",
            {
                "title": "Object handling",
                "starts_at": (now - timedelta(hours=2)).isoformat(),
                "ends_at": (now - timedelta(hours=1)).isoformat(),
                "place": "Study room",
                "actor": STAFF_ACTOR,
            },
        )
        coming = await _accepted(
            handle,
            "schedule_workshop",
            {
                "title": "Label writing",
                "starts_at": (now + timedelta(days=7)).isoformat(),
                "ends_at": (now + timedelta(days=7, hours=2)).isoformat(),
                "place": "Study room",
                "actor": STAFF_ACTOR,
            },
        )
        agreement = {"milestone_key": "partnership_agreement", "summary": "Signed by both."}
        foreign = await _refused(handle, "submit_milestone", {**agreement, "actor": OTHER_PARTNER_ACTOR})
        submitted = await _accepted(handle, "submit_milestone", {**agreement, "actor": PARTNER_ACTOR})

        by_partner = {
            "review_milestone": {"milestone_key": "partnership_agreement", "decision": "accept"},
            "record_attendance": {"workshop_id": held["id"], "attendance": 12},
            "cancel_workshop": {"workshop_id": coming["id"], "reason": "We are busy."},
            "pause": {"reason": "Let us wait."},
            "resume": {},
            "withdraw": {"reason": "We are done."},
            "close": {},
        }
        refusals = {
            update: await _refused(handle, update, {**payload, "actor": PARTNER_ACTOR})
            for update, payload in by_partner.items()
        }
        unchanged = await handle.query("status", result_type=ProjectState)

        # The same updates from staff, at the same moment: accepted (close is refused for its stage, not its party).
        reviewed = await _accepted(handle, "review_milestone", {**by_partner["review_milestone"], "actor": STAFF_ACTOR})
        recorded = await _accepted(
            handle, "record_attendance", {**by_partner["record_attendance"], "actor": STAFF_ACTOR}
        )
        cancelled = await _accepted(handle, "cancel_workshop", {**by_partner["cancel_workshop"], "actor": STAFF_ACTOR})
        paused = await _accepted(handle, "pause", {"actor": STAFF_ACTOR})
        resumed = await _accepted(handle, "resume", {"actor": STAFF_ACTOR})
        staff_close = await _refused(handle, "close", {"actor": STAFF_ACTOR})
        withdrawn = await _accepted(handle, "withdraw", {**by_partner["withdraw"], "actor": STAFF_ACTOR})

    assert foreign == (RefusalKind.WRONG_PARTY, "actor"), "a partner of another project cannot submit to this one"
    assert submitted["status"] == "submitted"
    assert refusals == dict.fromkeys(by_partner, (RefusalKind.WRONG_PARTY, "actor"))
    assert unchanged.stage is Stage.PARTNERSHIP and unchanged.paused_at is None
    assert milestone(unchanged, "partnership_agreement").status.value == "submitted"
    assert len(milestone(unchanged, "partnership_agreement").submissions) == 1
    assert [(w.attendance, w.cancelled_at) for w in unchanged.workshops] == [(None, None), (None, None)]
    assert reviewed["status"] == "accepted"
    assert recorded["attendance"] == 12 and cancelled["cancelled_at"] is not None
    assert paused["paused_at"] is not None and resumed["paused_at"] is None
    assert staff_close == (RefusalKind.OUT_OF_TURN, "project")
    assert withdrawn["stage"] == Stage.WITHDRAWN.value


async def test_a_partner_cannot_reschedule_follow_up_waves_even_via_temporal(
    temporal_dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = temporal_dev_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        start = FollowUpInput(
            project_id=uuid.uuid4().hex, anchor_at=await env.get_current_time(), offsets=(IsoDuration("P3M"),)
        )
        started = await env.client.start_workflow(
            FollowUpWorkflow.run, start, id=follow_up_workflow_id(start.project_id), task_queue=task_queue
        )
        _STARTED.append(started)
        planned = await started.query(FollowUpWorkflow.status)
        for _ in range(200):  # the waves are planned by a local activity just after the start
            if planned.waves:
                break
            await asyncio.sleep(0.02)
            planned = await started.query(FollowUpWorkflow.status)
        handle = env.client.get_workflow_handle(follow_up_workflow_id(start.project_id))
        refusals = {
            "partner": await _refused(handle, "reschedule", {"offsets": ["P6M"], "actor": PARTNER_ACTOR}),
            "partner of another project": await _refused(
                handle, "reschedule", {"offsets": ["P6M"], "actor": OTHER_PARTNER_ACTOR}
            ),
            "nobody": await _refused(handle, "reschedule", {"offsets": ["P6M"]}),
        }
        unchanged = await handle.query("status", result_type=FollowUpState)
        moved = await handle.execute_update(
            "reschedule", {"offsets": ["P6M"], "actor": STAFF_ACTOR}, result_type=FollowUpState
        )

    assert refusals == dict.fromkeys(refusals, (RefusalKind.WRONG_PARTY, "actor"))
    assert [w.plan.offset for w in unchanged.waves] == [w.plan.offset for w in planned.waves] == ["P3M"]
    assert [w.plan.offset for w in moved.waves if w.status.value == "scheduled"] == ["P6M"]
