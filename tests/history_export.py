"""Export the history of every workflow run a test stack produced, for the suite-wide replay step.

Why: tests/histories/ holds a handful of curated histories, but the suite drives far more paths
(refusals, timers racing updates, restarts, continue-as-new, children). Each stack writes its
runs' histories here when it shuts down, and `make replay-all` (tests/replay/replay_exported.py)
replays every one against today's workflow code, so a nondeterministic change fails CI even on
a path no committed history covers.

How runs are found:
- The dev server has visibility: `list_workflows()` returns every execution (each continued-as-new
  run and child included, open or closed).
- The time-skipping test server has none (list/count are UNIMPLEMENTED), so `StartRecorder`, a
  client interceptor on the environment's client, records every workflow the test starts, and
  the export follows each run's history to its children (ChildWorkflowExecutionStarted) and to
  the next run of a continue-as-new chain (newExecutionRunId). Recorded starts are followed on
  the dev server too, which covers a run that visibility has not indexed yet.

Each file is one JSON object: the test that produced the run, the workflow id (which
`WorkflowHistory.to_json()` leaves out), the run id and type, the test's `replay_exempt` reason
if any, and under "history" exactly what `WorkflowHistory.to_json()` wrote.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    WorkflowHandle,
    WorkflowHistory,
)
from temporalio.service import RPCError, RPCStatusCode

from tests.history_folder import export_dir, point_latest_at, record_export_error

#: Concurrent history fetches per export: enough to hide round trips, few enough for 2 cores.
FETCH_CONCURRENCY = 8


@dataclass(frozen=True)
class RunLabel:
    """Which test produced a run, and why its histories need not replay (rare; see replay_exempt)."""

    nodeid: str
    replay_exempt: str | None = None


SESSION = RunLabel("session (no test running)")


@dataclass
class _Current:
    label: RunLabel = SESSION
    by_task_queue: dict[str, RunLabel] = field(default_factory=dict)
    windows: list[tuple[datetime, datetime, RunLabel]] = field(default_factory=list)
    #: What the exports cost this session: stacks exported, histories written, seconds spent.
    stacks: int = 0
    histories: int = 0
    seconds: float = 0.0


_current = _Current()


def set_current_test(label: RunLabel | None) -> None:
    """Called by the pytest hooks around each test; runs started meanwhile are labelled with it.

    Each test's wall-clock window is kept too: a run started on the shared server by a process
    of the test's own (an API or worker under uvicorn) is labelled by its start time.
    """
    now = datetime.now(UTC)
    if label is not None:
        _current.windows.append((now, now, label))
    elif _current.windows:
        began, _, last = _current.windows[-1]
        _current.windows[-1] = (began, now, last)
    _current.label = label or SESSION


def _test_running_at(moment: datetime) -> RunLabel | None:
    for began, ended, label in reversed(_current.windows):
        if began <= moment <= ended or (began <= moment and began == ended):
            return label
        if ended < moment:
            return None
    return None


def current_test() -> RunLabel:
    return _current.label


def export_cost() -> tuple[int, int, float]:
    """(stacks exported, histories written, seconds spent exporting) so far this session."""
    return _current.stacks, _current.histories, _current.seconds


def label_task_queue(task_queue: str) -> None:
    """Attribute runs on `task_queue` to the running test (a fallback for runs no recorder saw)."""
    _current.by_task_queue[task_queue] = _current.label


class StartRecorder(Interceptor):
    """Client interceptor that remembers every workflow its client starts, and during which test."""

    def __init__(self) -> None:
        self.starts: list[tuple[str, str | None, RunLabel]] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _RecordingOutbound(next, self)


class _RecordingOutbound(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, recorder: StartRecorder) -> None:
        super().__init__(next)
        self._recorder = recorder

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        handle = await self.next.start_workflow(input)
        self._recorder.starts.append((input.id, handle.first_execution_run_id or handle.run_id, current_test()))
        return handle


def _slug(text: str, limit: int = 120) -> str:
    """A file-name-safe, unique spelling of `text` (cut long ones, keep a hash of the whole)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")
    if len(safe) <= limit:
        return safe or "_"
    return f"{safe[:limit]}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


@dataclass
class _Export:
    client: Client
    folder: Path
    seen: set[tuple[str, str]] = field(default_factory=set)
    written: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    async def run(self, seeds: list[tuple[str, str | None, RunLabel]]) -> None:
        """Export `seeds` and everything their histories lead to (children, next runs), breadth first."""
        gate = asyncio.Semaphore(FETCH_CONCURRENCY)
        queue = list(seeds)
        while queue:
            batch, queue = queue, []
            found = await asyncio.gather(*(self._one(gate, *seed) for seed in batch))
            for more in found:
                queue.extend(more)

    async def _one(
        self, gate: asyncio.Semaphore, workflow_id: str, run_id: str | None, label: RunLabel
    ) -> list[tuple[str, str | None, RunLabel]]:
        if run_id is not None and (workflow_id, run_id) in self.seen:
            return []
        if run_id is not None:
            self.seen.add((workflow_id, run_id))
        try:
            async with gate:
                history = await self.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:  # e.g. retention already removed it
                return []
            self.errors.append({"test": label.nodeid, "workflow_id": workflow_id, "error": str(err)})
            return []
        if not history.events:
            return []
        actual_run = run_id or history.events[0].workflow_execution_started_event_attributes.original_execution_run_id
        self.seen.add((workflow_id, actual_run))
        write_exported(self.folder, label, history, actual_run)
        self.written += 1
        return list(_leads(history.events, workflow_id, label))

    def write_errors(self) -> None:
        for error in self.errors:
            record_export_error(error)


def write_exported(folder: Path, label: RunLabel, history: WorkflowHistory, run_id: str) -> Path:
    """Write one run's history with what `WorkflowHistory.to_json()` leaves out (id, test, exemption)."""
    header = {
        "test": label.nodeid,
        "workflow_id": history.workflow_id,
        "run_id": run_id,
        "workflow_type": history.events[0].workflow_execution_started_event_attributes.workflow_type.name,
        "replay_exempt": label.replay_exempt,
    }
    target = folder / _slug(label.nodeid) / f"{_slug(history.workflow_id)}--{run_id}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    # The header is dumped on its own and the history spliced in as to_json() wrote it (no re-parse).
    target.write_text(json.dumps(header)[:-1] + ', "history": ' + history.to_json() + "}\n", encoding="utf-8")
    return target


def _leads(events: Iterable[Any], workflow_id: str, label: RunLabel) -> Iterable[tuple[str, str | None, RunLabel]]:
    """Runs a history points to: its children, and the run it continued as."""
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
            child = event.child_workflow_execution_started_event_attributes.workflow_execution
            yield child.workflow_id, child.run_id, label
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            yield workflow_id, event.workflow_execution_continued_as_new_event_attributes.new_execution_run_id, label


async def export_histories(
    client: Client,
    *,
    recorded: Iterable[tuple[str, str | None, RunLabel]] = (),
    visibility: bool,
    default_label: RunLabel | None = None,
) -> int:
    """Write the history of every run `client`'s server holds (visibility) or that `recorded` leads to.

    Runs found only through visibility are labelled by the test that started their workflow id (or
    their root's), else by their task queue's test, else by the test running when they started,
    else `default_label` (the session for the shared server, the test for a test's own server).
    Returns how many histories were written; failures to fetch one are
    appended to `_export_errors.jsonl` so the replay step reports them instead of losing them.
    """
    began = time.monotonic()
    export = _Export(client, export_dir())
    export.folder.mkdir(parents=True, exist_ok=True)
    seeds = list(recorded)
    by_id = {workflow_id: label for workflow_id, _, label in seeds}
    await export.run(seeds)
    if visibility:
        fallback = default_label or current_test()
        listed: list[tuple[str, str | None, RunLabel]] = []
        async for execution in client.list_workflows():
            label = (
                by_id.get(execution.id)
                or by_id.get(execution.root_id or "")
                or by_id.get(execution.parent_id or "")
                or _current.by_task_queue.get(execution.task_queue)
                or _test_running_at(execution.start_time)
                or fallback
            )
            listed.append((execution.id, execution.run_id, label))
        await export.run(listed)
    export.write_errors()
    if export.written:
        point_latest_at(export.folder)
    _current.stacks += 1
    _current.histories += export.written
    _current.seconds += time.monotonic() - began
    return export.written
