"""A workflow runner that refuses activations the SDK builds from history no workflow task has started.

Why this exists (issue 11, "projects wedged for good by nondeterminism"): with temporalio 1.35 (the
newest release; its Core has the same behaviour), a worker that is asked a query for a run while a
workflow task of that run is scheduled but not yet started — typically because the worker that held
the run died and its sticky queue is dead — receives a *legacy query task* whose history ends with
the events that task was scheduled for (a timer fired, an activity completed). Core applies those
events at once, outside any workflow task: it hands the workflow a non-replay activation (say
`fire_timer`) stamped with the time of the LAST started task, and keeps the commands the workflow
answers with. When the real task is started a moment later, Core sends those commands. So the live
run decides with a stale `workflow.now()` (a display-closing timer fires and the workflow re-arms the
same timer, "as if its clock still read the time of event 180") or in a different order than replay
(an activity scheduled before an update that arrived with the real task). Replay, which sees the
real task's time and all its jobs together, takes the other path: the run is wedged for good.

The tell is in the activation itself: history has grown since the last activation that moved the
workflow, yet the timestamp has not (a started workflow task always brings a new, later time), and
the activation is not a replay. We refuse such an activation with a task failure. Core then drops
the run from its cache and fails that one query (the API answers it from its read model); the real
workflow task, started moments later, is replayed from full history with its own time, exactly as
any later replay will see it. Replays are never touched, so every recorded history replays as before.

A second form follows from the first. When Core drops a run to honour a refusal, it also drops a
workflow task of that run it had just polled and buffered behind the query ("leftover buffered tasks
when evicting run"); that task times out ten seconds later. Meanwhile another late query can bring a
history that ends with that task's WorkflowTaskStarted: Core applies the task's events again outside
any task, this time with the task's own (real, so not stale) time, and the workflow task that retries
the dropped one later sends the commands of both. So once we refuse for a workflow, we also refuse any
later activation of it whose time is EARLIER than that refusal: only a task started before we dropped
the run can carry such a time, and that task can no longer be completed by anyone.

That rule can also refuse a real task: Core sometimes keeps the task it had buffered and hands it to
the rebuilt run with its (earlier) time. Refusing it fails that task; Temporal retries it at once
with a new, later time, which passes, and an update the failed task carried is answered 503 with
Retry-After, never accepted (api/errors.py). A retried task costs a moment; a wedged run is for good.
The refusal is remembered by this worker only: with several workers, a late query reaching another
worker is caught only by the other rules (README, "Operations").

A third form needs no refusal to start it: a worker is killed in the middle of a workflow task, and
its replacement gets a late query whose history ends with that task's WorkflowTaskStarted. Core
applies the task's events with that task's time; the retried task then sends them again with an
update that came with it. The time gives it away here too: the task was started before this worker
existed. So the guard also refuses any activation whose time is earlier than the runner's creation:
no workflow task started before the worker was built can be this worker's to complete.

The guard wraps any runner (the sandbox in production and tests) and costs a few integer compares
per activation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import temporalio.workflow
from cachetools import TTLCache
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import SerializationContext, StorageDriverStoreContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker._command_aware_visitor import CommandInfo

log = logging.getLogger("engage.worker.activation_guard")

#: Why the task failed, as Core logs it and the failed query reports it. Contains no personal data.
REFUSAL_MESSAGE = (
    "Engage refused an activation built from history that no workflow task has started "
    "(a legacy query raced a pending workflow task); the run is dropped from the cache and replays on its next task"
)

#: Jobs that never move a workflow: answering a query, leaving the cache.
_PASSIVE_JOBS = frozenset({"query_workflow", "remove_from_cache"})

#: Told the workflow id of each refused activation (the worker counts them as a metric).
OnRefused = Callable[[str], None]

#: How long a refusal is remembered: far longer than any workflow task lives (its timeout is 10 s).
_REMEMBER_S = 300.0
#: How many workflows' refusals are remembered at once; refusals come a few per worker restart.
_REMEMBERED = 10_000


def is_stale(activation: WorkflowActivation, *, last_length: int, last_time_ns: int | None) -> bool:
    """True when `activation` moves the workflow on history that grew without a new task's time.

    `last_length`/`last_time_ns` are the history length and timestamp of the last activation that
    moved this run (None before the first). Pure, so the rule is unit-tested on its own.
    """
    if activation.is_replaying or last_time_ns is None or not activation.HasField("timestamp"):
        return False
    if not _moves(activation):
        return False
    return activation.history_length > last_length and activation.timestamp.ToNanoseconds() == last_time_ns


def started_before_refusal(activation: WorkflowActivation, *, refused_at_ns: int | None) -> bool:
    """True when `activation` moves the workflow with a time earlier than our last refusal for it:
    its task was started before Core dropped the run, so only a late query can be applying it now."""
    if activation.is_replaying or refused_at_ns is None or not activation.HasField("timestamp"):
        return False
    return _moves(activation) and activation.timestamp.ToNanoseconds() < refused_at_ns


def started_before_worker(activation: WorkflowActivation, *, worker_born_ns: int) -> bool:
    """True when `activation` moves the workflow with a time earlier than this worker's creation:
    its task was started by another worker (one that died), so only a late query can be applying it."""
    if activation.is_replaying or not activation.HasField("timestamp"):
        return False
    return _moves(activation) and activation.timestamp.ToNanoseconds() < worker_born_ns


def _moves(activation: WorkflowActivation) -> bool:
    return any(job.WhichOneof("variant") not in _PASSIVE_JOBS for job in activation.jobs)


class GuardedWorkflowRunner(WorkflowRunner):
    """Delegates everything to `inner`; each instance it creates refuses stale activations."""

    def __init__(self, inner: WorkflowRunner, on_refused: OnRefused | None = None) -> None:
        self._inner = inner
        self._on_refused = on_refused
        self._refusals = _Refusals()
        self._born_ns = time.time_ns()

    def prepare_workflow(self, defn: temporalio.workflow._Definition) -> None:
        self._inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _GuardedInstance(
            self._inner.create_instance(det), det.info.workflow_id, self._refusals, self._born_ns, self._on_refused
        )

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self._inner.set_worker_level_failure_exception_types(types)


class _Refusals:
    """When the guard last refused a stale activation of each workflow (wall clock, ns), for a while.

    Kept by the runner, not the instance: the refusal drops the instance, and the late query that
    follows creates a new one. Workflow ids only, at most _REMEMBERED of them, each for _REMEMBER_S.
    """

    def __init__(self) -> None:
        self._at: TTLCache[str, int] = TTLCache(maxsize=_REMEMBERED, ttl=_REMEMBER_S)

    def get(self, workflow_id: str) -> int | None:
        return self._at.get(workflow_id)

    def note(self, workflow_id: str) -> None:
        self._at[workflow_id] = time.time_ns()


class _GuardedInstance(WorkflowInstance):
    def __init__(
        self,
        inner: WorkflowInstance,
        workflow_id: str,
        refusals: _Refusals,
        worker_born_ns: int,
        on_refused: OnRefused | None,
    ) -> None:
        self._inner = inner
        self._workflow_id = workflow_id
        self._refusals = refusals
        self._worker_born_ns = worker_born_ns
        self._on_refused = on_refused
        self._last_length = 0
        self._last_time_ns: int | None = None

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        if is_stale(act, last_length=self._last_length, last_time_ns=self._last_time_ns):
            # 👉 Only this rule marks the time: a refusal for an older task must not move the mark,
            # or a worker whose clock runs ahead of the server's could keep refusing real tasks.
            self._refusals.note(self._workflow_id)
            return self._refuse(act, "stale_clock")
        if started_before_refusal(act, refused_at_ns=self._refusals.get(self._workflow_id)):
            return self._refuse(act, "started_before_refusal")
        if started_before_worker(act, worker_born_ns=self._worker_born_ns):
            return self._refuse(act, "started_before_worker")
        if _moves(act) and act.HasField("timestamp"):
            self._last_length = act.history_length
            self._last_time_ns = act.timestamp.ToNanoseconds()
        return self._inner.activate(act)

    def _refuse(self, act: WorkflowActivation, rule: str) -> WorkflowActivationCompletion:
        """Fail the activation; the log line names the rule that refused it (for the operator's eyes)."""
        log.warning(
            "refused a stale activation",
            extra={
                "workflow_id": self._workflow_id,
                "run_id": act.run_id,
                "history_length": act.history_length,
                "rule": rule,
            },
        )
        if self._on_refused is not None:
            self._on_refused(self._workflow_id)
        refused = WorkflowActivationCompletion(run_id=act.run_id)
        refused.failed.failure.message = REFUSAL_MESSAGE
        return refused

    # 👉 The rest is plain delegation: the guard changes nothing but which activations run.
    def get_serialization_context(self, command_info: CommandInfo | None) -> SerializationContext | None:
        return self._inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        return self._inner.get_external_store_context(command_info)

    def get_info(self) -> temporalio.workflow.Info:
        return self._inner.get_info()

    def get_thread_id(self) -> int | None:
        return self._inner.get_thread_id()
