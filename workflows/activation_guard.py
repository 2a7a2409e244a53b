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

A second form needs no stale clock: a worker is killed in the middle of a workflow task, and
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
        self._born_ns = time.time_ns()

    def prepare_workflow(self, defn: temporalio.workflow._Definition) -> None:
        self._inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _GuardedInstance(self._inner.create_instance(det), det.info.workflow_id, self._born_ns, self._on_refused)

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self._inner.set_worker_level_failure_exception_types(types)


class _GuardedInstance(WorkflowInstance):
    def __init__(
        self,
        inner: WorkflowInstance,
        workflow_id: str,
        worker_born_ns: int,
        on_refused: OnRefused | None,
    ) -> None:
        self._inner = inner
        self._workflow_id = workflow_id
        self._worker_born_ns = worker_born_ns
        self._on_refused = on_refused
        self._last_length = 0
        self._last_time_ns: int | None = None

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        if is_stale(act, last_length=self._last_length, last_time_ns=self._last_time_ns) or started_before_worker(
            act, worker_born_ns=self._worker_born_ns
        ):
            return self._refuse(act)
        if _moves(act) and act.HasField("timestamp"):
            self._last_length = act.history_length
            self._last_time_ns = act.timestamp.ToNanoseconds()
        return self._inner.activate(act)

    def _refuse(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        log.warning(
            "refused a stale activation",
            extra={"workflow_id": self._workflow_id, "run_id": act.run_id, "history_length": act.history_length},
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
