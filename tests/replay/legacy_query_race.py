"""Replay a history as the live worker saw it when a legacy query raced a pending workflow task.

Test-only diagnosis for the wedged histories of issue 11 (tests/histories/wedged/). When a query
reached a worker while a workflow task was scheduled but not started, the SDK's Core applied the
task's events at once, outside any task, stamped with the time of the LAST started task; whatever
arrived with the real task (an update) came in an activation of its own, after. A plain replay gives
the workflow those same jobs together, with the real task's time, and so takes another path.

`RaceReplayRunner` replays a history normally except at the given workflow tasks (named by their
WorkflowTaskStarted event id, which is the activation's `history_length`), where it hands the
workflow exactly what the live worker was handed: first the task's non-update jobs stamped with the
previous task's time, then its update jobs with the task's own time, the commands of both in that
order. If a wedged history replays under it, the race is the whole explanation of the wedge.
"""

from __future__ import annotations

from collections.abc import Sequence

import temporalio.workflow
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import SerializationContext, StorageDriverStoreContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker._command_aware_visitor import CommandInfo

_LATE_JOBS = frozenset({"do_update"})


class RaceReplayRunner(WorkflowRunner):
    """Wraps `inner`; at the workflow tasks `raced_at`, replays what the live worker was given."""

    def __init__(self, inner: WorkflowRunner, raced_at: Sequence[int]) -> None:
        self._inner = inner
        self._raced_at = frozenset(raced_at)

    def prepare_workflow(self, defn: temporalio.workflow._Definition) -> None:
        self._inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _RaceInstance(self._inner.create_instance(det), self._raced_at)

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self._inner.set_worker_level_failure_exception_types(types)


class _RaceInstance(WorkflowInstance):
    def __init__(self, inner: WorkflowInstance, raced_at: frozenset[int]) -> None:
        self._inner = inner
        self._raced_at = raced_at
        self._last_time: Timestamp | None = None

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        previous, self._last_time = self._last_time, Timestamp()
        self._last_time.CopyFrom(act.timestamp)
        if act.history_length not in self._raced_at or previous is None:
            return self._inner.activate(act)
        early, late = WorkflowActivation(), WorkflowActivation()
        for part in (early, late):
            part.CopyFrom(act)
            del part.jobs[:]
        for job in act.jobs:
            (late if job.WhichOneof("variant") in _LATE_JOBS else early).jobs.append(job)
        early.timestamp.CopyFrom(previous)  # 👉 the clock of the last started task: the race's mark
        completion = self._inner.activate(early)
        if not late.jobs or completion.HasField("failed"):
            return completion
        second = self._inner.activate(late)
        if second.HasField("failed"):
            return second
        completion.successful.commands.extend(second.successful.commands)
        return completion

    def get_serialization_context(self, command_info: CommandInfo | None) -> SerializationContext | None:
        return self._inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        return self._inner.get_external_store_context(command_info)

    def get_info(self) -> temporalio.workflow.Info:
        return self._inner.get_info()

    def get_thread_id(self) -> int | None:
        return self._inner.get_thread_id()
