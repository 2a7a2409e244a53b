"""The raw primitives Engage is compared with: trivial workflows that do only what Temporal must.

`RawWorkflow` stands in for a project: it stays open, takes an Update with a validator (like
`submit_milestone`), answers a query (like `status`) and ends on a signal. `TimerWorkflow` sleeps
on a durable timer until an instant shared by all of them, then completes (optionally running one
no-op activity first), which is the bare cost of a timer fan-out. Both run in the same sandbox and
with the same data converter as Engage's workflows, so the comparison is like for like.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError

RAW_WORKFLOW = "BenchRawWorkflow"
TIMER_WORKFLOW = "BenchTimerWorkflow"
NOOP_ACTIVITY = "bench_noop"


@workflow.defn(name=RAW_WORKFLOW)
class RawWorkflow:
    """Update `bump` (validated), query `count`, signal `finish`."""

    @workflow.init
    def __init__(self, label: str) -> None:
        self._label = label
        self._count = 0
        self._finished = False

    @workflow.run
    async def run(self, label: str) -> int:
        await workflow.wait_condition(lambda: self._finished)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._count

    @workflow.update
    def bump(self, note: str) -> int:
        self._count += 1
        return self._count

    @bump.validator
    def _validate_bump(self, note: str) -> None:
        if not note:
            raise ApplicationError("a note is required", {"field": "note", "reason": "empty"}, type="InvalidSubmission")

    @workflow.query
    def count(self) -> int:
        return self._count

    @workflow.signal
    def finish(self) -> None:
        self._finished = True


@workflow.defn(name=TIMER_WORKFLOW)
class TimerWorkflow:
    """Sleep until `due_at_epoch` (a durable timer), then complete; `with_activity` runs one no-op first."""

    @workflow.run
    async def run(self, due_at_epoch: float, with_activity: bool) -> None:
        delay = datetime.fromtimestamp(due_at_epoch, UTC) - workflow.now()
        if delay > timedelta(0):
            await workflow.sleep(delay)
        if with_activity:
            await workflow.execute_activity(NOOP_ACTIVITY, start_to_close_timeout=timedelta(seconds=30))


@activity.defn(name=NOOP_ACTIVITY)
async def noop() -> None:
    """Does nothing: the bare cost of scheduling, running and completing an activity."""
