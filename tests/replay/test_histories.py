"""Every committed history replays against today's workflow code.

A change that makes a recorded run take a different path fails here, in CI, instead of
wedging projects that are months into their lifecycle. Fix it with `workflow.patched`.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.temporal_env import codec_converter
from workflows.registry import WORKFLOWS, sandbox_runner

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def test_there_is_a_committed_history_for_every_workflow_type() -> None:
    recorded_types = {
        json.loads(p.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
        for p in HISTORIES
    }
    assert {w.__temporal_workflow_definition.name for w in WORKFLOWS} <= recorded_types  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_committed_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text, encoding="utf-8"))
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"
