"""Issue 15's committed history (tests/replay/record_history_15.py): a project edited in flight replays
against today's code, and holds what `edit_project` promises.

tests/replay/test_histories.py replays every history; this names the one of this shape, so deleting or
regenerating it fails here, and reads it: two accepted `edit_project` updates from staff, and a result
carrying the edited title and partners.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.state import ProjectState
from tests.replay.record_history_15 import EDITED_TITLE, PROJECT_HISTORY
from tests.temporal_env import codec_converter
from tests.workflows.support import PARTNER_ID
from workflows.registry import WORKFLOWS, sandbox_runner


async def _history() -> WorkflowHistory:
    text = await asyncio.to_thread(PROJECT_HISTORY.read_text, encoding="utf-8")
    return WorkflowHistory.from_json(PROJECT_HISTORY.stem, text)


async def _decoded_one(payloads: Any) -> Any:
    codec = codec_converter().payload_codec
    assert codec is not None
    [decoded] = await codec.decode(list(payloads))
    return json.loads(decoded.data)


async def test_the_edited_project_history_replays() -> None:
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    result = await replayer.replay_workflow(await _history(), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{PROJECT_HISTORY.name} no longer replays: {result.replay_failure}"


async def test_it_holds_two_staff_edits_and_ends_with_the_edited_title_and_partners() -> None:
    history = await _history()
    edits = []
    for event in history.events:
        if event.HasField("workflow_execution_update_accepted_event_attributes"):
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            if request.input.name == "edit_project":
                edits.append(await _decoded_one(request.input.args.payloads))
    assert [e["title"] for e in edits] == [EDITED_TITLE, EDITED_TITLE]
    assert all(e["actor"]["party"] == "staff" for e in edits)
    last = history.events[-1]
    assert last.HasField("workflow_execution_completed_event_attributes")
    final = ProjectState.model_validate(
        await _decoded_one(last.workflow_execution_completed_event_attributes.result.payloads)
    )
    assert final.title == EDITED_TITLE and final.partner_ids == [PARTNER_ID, "p-mill"]
    assert final.stage.value == "declined"
