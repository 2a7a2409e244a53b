"""Issue 16's committed history (tests/replay/record_history_16.py): a project started with intended
outcomes, whose aims were edited and whose two reflections rated the outcomes, replays against today's
code and holds what it promises; histories from before it recorded no 16-outcome-ratings marker.

tests/replay/test_histories.py replays every history; this names the one of this shape, so deleting or
regenerating it fails here, and reads it (payloads decoded with the test key).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.state import ProjectState
from tests.replay.record_history_16 import EDITED_AIMS, MUSEUM_LEVELS, PARTNER_LEVELS, PROJECT_HISTORY
from tests.replay.test_patch_in_flight import patch_markers
from tests.temporal_env import codec_converter
from workflows.project import OUTCOME_RATINGS_PATCH
from workflows.registry import WORKFLOWS, sandbox_runner


async def _history(path: Path = PROJECT_HISTORY) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text, encoding="utf-8"))


async def _decoded_one(payloads: Any) -> Any:
    codec = codec_converter().payload_codec
    assert codec is not None
    [decoded] = await codec.decode(list(payloads))
    return json.loads(decoded.data)


async def test_the_outcome_ratings_history_replays_and_recorded_the_patch() -> None:
    history = await _history()
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{PROJECT_HISTORY.name} no longer replays: {result.replay_failure}"
    assert OUTCOME_RATINGS_PATCH in str(patch_markers(list(history.events)))


async def test_it_ends_with_the_edited_aims_and_both_reflections_ratings() -> None:
    history = await _history()
    last = history.events[-1]
    assert last.HasField("workflow_execution_completed_event_attributes")
    final = ProjectState.model_validate(
        await _decoded_one(last.workflow_execution_completed_event_attributes.result.payloads)
    )
    assert final.intended_outcomes == EDITED_AIMS
    reflections = {m.key: m for m in final.milestones if m.rates_outcomes}
    assert set(reflections) == {"partner_reflection", "staff_reflection"}
    assert reflections["partner_reflection"].submissions[-1].outcome_ratings == PARTNER_LEVELS
    assert reflections["staff_reflection"].submissions[-1].outcome_ratings == MUSEUM_LEVELS
    assert final.stage.value == "closed"


async def test_histories_from_before_issue_16_recorded_no_marker() -> None:
    folder = PROJECT_HISTORY.parent
    for name in ("project-edited-v1.json", "project-full-lifecycle-v1.json", "project-on-behalf-v1.json"):
        assert OUTCOME_RATINGS_PATCH not in str(patch_markers(list((await _history(folder / name)).events)))
