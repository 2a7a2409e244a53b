"""Issue 14's committed histories (tests/replay/record_history_14.py): workflows that were told to forget a
person replay against today's code, and what they hold is what erasure promises.

tests/replay/test_histories.py replays every history; this names the two of this shape, so deleting or
regenerating one fails here, and reads them: each forget signal carries a hash or an id only, and the
run's result holds the placeholder, not the person.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.erasure import ERASED_PERSON, email_hash
from domain.exchange import ExchangeState
from domain.state import ProjectState
from tests.replay.record_history_14 import PROGRAMME_HISTORY, PROGRAMME_LEAD, PROJECT_HISTORY, PROJECT_LEAD
from tests.temporal_env import codec_converter
from workflows.registry import WORKFLOWS, sandbox_runner


async def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text, encoding="utf-8"))


async def _decoded(payloads: list[Payload]) -> list[Any]:
    codec = codec_converter().payload_codec
    assert codec is not None
    return [json.loads(p.data) for p in await codec.decode(payloads)]


async def _signals(history: WorkflowHistory) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for event in history.events:
        if event.HasField("workflow_execution_signaled_event_attributes"):
            attributes = event.workflow_execution_signaled_event_attributes
            [payload] = await _decoded(list(attributes.input.payloads))
            found.append((attributes.signal_name, payload))
    return found


async def _result(history: WorkflowHistory) -> Any:
    last = history.events[-1]
    assert last.HasField("workflow_execution_completed_event_attributes"), "the recorded run completed"
    [result] = await _decoded(list(last.workflow_execution_completed_event_attributes.result.payloads))
    return result


@pytest.mark.parametrize("path", [PROJECT_HISTORY, PROGRAMME_HISTORY], ids=lambda p: p.stem)
async def test_a_history_with_forget_signals_replays(path: Path) -> None:
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    result = await replayer.replay_workflow(await _history(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"


async def test_the_project_history_forgot_its_lead_and_its_signals_hold_hashes_only() -> None:
    history = await _history(PROJECT_HISTORY)
    forgets = [payload for name, payload in await _signals(history) if name == "forget_lead"]
    assert forgets == [
        {"email_hash": email_hash(a)} for a in ("someone.else@museum.example", PROJECT_LEAD, PROJECT_LEAD)
    ]
    final = ProjectState.model_validate(await _result(history))
    assert final.lead == ERASED_PERSON and final.stage.value == "declined"
    assert [e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes")]


async def test_the_programme_history_forgot_a_pending_applicant_and_its_lead_and_kept_the_placed_one() -> None:
    history = await _history(PROGRAMME_HISTORY)
    signals = await _signals(history)
    assert ("forget_application", {"application_id": "extra"}) in signals
    assert ("forget_application", {"application_id": "out-p1"}) in signals
    assert ("forget_lead", {"email_hash": email_hash(PROGRAMME_LEAD)}) in signals
    assert "@" not in json.dumps([p for name, p in signals if name.startswith("forget_")])
    final = ExchangeState.model_validate(await _result(history))
    assert final.phase.value == "closed"
    assert "extra" not in final.applications and "extra" not in final.shortlisted
    assert "out-p1" in final.applications and any(p.application_id == "out-p1" for p in final.placements)
    assert final.lead == ERASED_PERSON
