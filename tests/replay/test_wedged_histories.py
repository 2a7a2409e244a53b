"""The five project histories that wedged in issue 11's fault run: why they wedged, proven by replay.

Each was written by a live worker that a legacy query raced (workflows/activation_guard.py): at one
or two workflow tasks the worker had already been handed the task's events outside any task, with
the previous task's clock, and the update that came with the real task after them. So each history
records a path that no replay of the same code can take, and none ever will: with today's code (or
any code) a plain replay fails at exactly that task. Handed what the live worker was handed at those
tasks (tests/replay/legacy_query_race.py), every one replays to its end: the race is the whole cause.

New runs cannot write such a history: the guard refuses the raced activation, and the real task runs
with its own time and all its jobs together (tests/faults/test_restarts_while_polling.py). A project
already wedged this way is recovered by resetting it to the task before the raced one (README,
"Operations"), after which it runs on under the guard.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.replay.legacy_query_race import RaceReplayRunner
from tests.temporal_env import codec_converter
from workflows.registry import WORKFLOWS, sandbox_runner

WEDGED = Path(__file__).resolve().parent.parent / "histories" / "wedged"

#: history → (the WorkflowTaskStarted ids of the raced tasks, what a plain replay reports).
RACED: dict[str, tuple[tuple[int, ...], str]] = {
    "h-3999d35142945c0cacacc456ba7a2414": ((267,), "patch marker encountered for change 3-follow-up-surveys"),
    "h-91dceaa0493d51899fe9ea961b7d0016": ((237,), "HistoryEvent(id: 239, ActivityTaskScheduled)"),
    "h-a5405be5e5b35f6a9b2c0db727627a83": ((273, 278), "HistoryEvent(id: 275, TimerStarted)"),
    "h-dd97ab6db94059b8ae38b71654d56e5f": ((273,), "HistoryEvent(id: 275, TimerStarted)"),
    "h-e7fc1b47ab7259ef9c5d92c8d63ff82d": ((183,), "HistoryEvent(id: 185, TimerStarted)"),
}


async def history(name: str) -> WorkflowHistory:
    return WorkflowHistory.from_json(name, await asyncio.to_thread((WEDGED / f"{name}.json").read_text))


def test_every_wedged_history_is_accounted_for() -> None:
    assert sorted(p.stem for p in WEDGED.glob("*.json")) == sorted(RACED)


@pytest.mark.parametrize("name", sorted(RACED))
async def test_a_plain_replay_fails_where_the_race_bent_the_history(name: str) -> None:
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    result = await replayer.replay_workflow(await history(name), raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "Nondeterminism" in str(result.replay_failure)
    assert RACED[name][1] in str(result.replay_failure)


@pytest.mark.parametrize("name", sorted(RACED))
async def test_replayed_as_the_live_worker_saw_it_the_history_replays_to_its_end(name: str) -> None:
    runner = RaceReplayRunner(sandbox_runner(strict=True), raced_at=RACED[name][0])
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=runner)
    result = await replayer.replay_workflow(await history(name), raise_on_replay_failure=False)
    assert result.replay_failure is None, str(result.replay_failure)
