"""The suite-wide replay step (`make replay-all`) fails on a history that does not replay, passes on
good ones, and the export it reads follows children and continue-as-new runs on a server without
visibility."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Worker

from tests.history_export import RunLabel, StartRecorder, export_histories, write_exported
from tests.history_folder import EXPORT_DIR_ENV
from tests.replay.replay_exported import main, replay_all
from tests.replay.replay_stand_ins import DifferentProjectWorkflow, ExportProbe
from tests.temporal_env import start_time_skipping
from tests.temporal_fixtures import label_of, time_skipping_stack
from workflows.naming import REGISTRY

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
#: A project's whole history as the suite writes them now: every payload encrypted by the codec.
GOOD = HISTORIES / "project-declined-v4.json"
#: One written before the payload codec (issue 14): the lead's address sits in clear in its payloads.
CLEAR = HISTORIES / "project-full-lifecycle-v1.json"


GOOD_LABEL = RunLabel("tests/x.py::test_good")


def export_good(folder: Path, label: RunLabel = GOOD_LABEL) -> Path:
    history = WorkflowHistory.from_json("project/good", GOOD.read_text(encoding="utf-8"))
    return write_exported(folder, label, history, history.run_id)


def test_a_history_that_replays_passes_and_is_counted_by_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export_good(tmp_path)
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ProjectWorkflow                  1 replayed" in out
    assert out.rstrip().endswith("replay-all: OK")


def test_a_history_with_personal_data_in_clear_fails_the_step_though_it_replays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = WorkflowHistory.from_json("project/clear", CLEAR.read_text(encoding="utf-8"))
    write_exported(tmp_path, RunLabel("tests/x.py::test_plain"), history, history.run_id)
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "failed: 0" in out  # it replays: only the scan fails it
    assert "CLEAR PERSONAL DATA tests/x.py::test_plain project/clear: clear payload holds 'lead@museum.example'" in out
    assert out.rstrip().endswith("replay-all: FAILED")


def test_a_history_that_does_not_replay_fails_the_step_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export_good(tmp_path)
    assert main([str(tmp_path)], workflows=[DifferentProjectWorkflow]) == 1
    out = capsys.readouterr().out
    assert "failed: 1" in out
    assert (
        f"FAILED tests/x.py::test_good ProjectWorkflow project/good run {json.loads(path.read_text())['run_id']}" in out
    )
    assert "NondeterminismError" in out
    assert out.rstrip().endswith("replay-all: FAILED")


async def test_other_types_are_skipped_and_exempt_tests_are_reported_not_failed(tmp_path: Path) -> None:
    export_good(tmp_path, RunLabel("tests/x.py::test_stand_in", replay_exempt="registers a stand-in on purpose"))
    stand_in = json.loads(GOOD.read_text(encoding="utf-8"))
    stand_in["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"] = "StandIn"
    write_exported(tmp_path, RunLabel("tests/x.py::test_other"), WorkflowHistory.from_json("other", stand_in), "r1")

    summary = await replay_all(tmp_path, workflows=[DifferentProjectWorkflow])
    assert summary.skipped == {"StandIn": 1}
    ((item, error),) = summary.exempt
    assert item.replay_exempt == "registers a stand-in on purpose" and error is not None
    assert summary.failures == [] and summary.ok


async def test_nothing_exported_or_an_export_error_fails_the_step(tmp_path: Path) -> None:
    assert not (await replay_all(tmp_path)).ok
    export_good(tmp_path)
    (tmp_path / "_export_errors.jsonl").write_text('{"test": "t", "error": "UNAVAILABLE"}\n')
    summary = await replay_all(tmp_path)
    assert summary.export_errors and not summary.ok
    (tmp_path / "_export_errors.jsonl").unlink()
    (tmp_path / "half-written.json").write_text('{"test": "t", "workflow_id"')
    summary = await replay_all(tmp_path)
    assert [e.split(":")[0] for e in summary.export_errors] == [f"unreadable {tmp_path}/half-written.json"]
    assert not summary.ok


async def test_the_time_skipping_export_follows_continue_as_new_runs_and_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, task_queue: str
) -> None:
    monkeypatch.setenv(EXPORT_DIR_ENV, str(tmp_path))
    recorder = StartRecorder()
    env = await start_time_skipping(REGISTRY, interceptors=[recorder])
    try:
        async with Worker(env.client, task_queue=task_queue, workflows=[ExportProbe]):
            await env.client.execute_workflow(ExportProbe.run, 0, id="probe", task_queue=task_queue)
        assert await export_histories(env.client, recorded=recorder.starts, visibility=False) == 3
    finally:
        await env.shutdown()
    files = await asyncio.to_thread(lambda: sorted(tmp_path.rglob("*.json")))
    assert sorted(json.loads(p.read_text())["workflow_id"] for p in files) == ["probe", "probe", "probe/child"]
    assert {p.parent.name for p in files} == {
        "tests_replay_test_replay_exported.py_test_the_time_skipping_export_follows_continue_as_new_runs_and_children"
    }, "labelled with the test that was running"


@pytest.mark.replay_exempt(reason="proves the marker's reason reaches the exported files")
async def test_a_replay_exempt_marker_travels_with_the_tests_histories(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, task_queue: str
) -> None:
    monkeypatch.setenv(EXPORT_DIR_ENV, str(tmp_path))
    async with (
        time_skipping_stack(label_of(request.node)) as env,
        Worker(env.client, task_queue=task_queue, workflows=[ExportProbe]),
    ):
        await env.client.execute_workflow(ExportProbe.run, 2, id="exempt-probe", task_queue=task_queue)
    (path,) = await asyncio.to_thread(lambda: list(tmp_path.rglob("*.json")))
    assert json.loads(path.read_text())["replay_exempt"] == "proves the marker's reason reaches the exported files"
    summary = await replay_all(tmp_path)
    assert summary.skipped == {"ExportProbe": 1} and not summary.ok, "nothing of ours replayed: the step fails"
