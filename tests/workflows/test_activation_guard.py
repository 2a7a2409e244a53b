"""The activation guard's rule, on activations shaped like the ones Core sends (workflows/activation_guard.py)."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner

from workflows.activation_guard import (
    REFUSAL_MESSAGE,
    GuardedWorkflowRunner,
    is_stale,
    started_before_refusal,
    started_before_worker,
)

LAST_TASK_NS = 1_796_587_572_104_458_625


def activation(*jobs: str, history_length: int, time_ns: int, replaying: bool = False) -> WorkflowActivation:
    act = WorkflowActivation(run_id="run", history_length=history_length, is_replaying=replaying)
    act.timestamp.FromNanoseconds(time_ns)
    for job in jobs:
        getattr(act.jobs.add(), job).SetInParent()
    return act


def test_a_timer_fired_outside_any_task_with_the_last_tasks_clock_is_stale() -> None:
    # What the replacement worker got while answering a legacy query: history grew 3 → 7, clock did not.
    act = activation("fire_timer", history_length=7, time_ns=LAST_TASK_NS)
    assert is_stale(act, last_length=3, last_time_ns=LAST_TASK_NS)


def test_an_activity_result_outside_any_task_is_stale_too() -> None:
    act = activation("resolve_activity", history_length=236, time_ns=LAST_TASK_NS)
    assert is_stale(act, last_length=230, last_time_ns=LAST_TASK_NS)


def test_a_real_task_brings_its_own_later_time() -> None:
    act = activation("fire_timer", history_length=8, time_ns=LAST_TASK_NS + 6_000_000_000)
    assert not is_stale(act, last_length=3, last_time_ns=LAST_TASK_NS)


def test_a_second_activation_of_the_same_task_is_not_stale() -> None:
    # Local activities and queries come in further activations of one task: same length, same time.
    act = activation("resolve_activity", history_length=3, time_ns=LAST_TASK_NS)
    assert not is_stale(act, last_length=3, last_time_ns=LAST_TASK_NS)


def test_queries_and_evictions_never_move_the_workflow() -> None:
    for job in ("query_workflow", "remove_from_cache"):
        act = activation(job, history_length=7, time_ns=LAST_TASK_NS)
        assert not is_stale(act, last_length=3, last_time_ns=LAST_TASK_NS)


def test_replay_is_never_refused() -> None:
    act = activation("fire_timer", history_length=7, time_ns=LAST_TASK_NS, replaying=True)
    assert not is_stale(act, last_length=3, last_time_ns=LAST_TASK_NS)


def test_the_first_activation_of_a_run_has_nothing_to_compare_with() -> None:
    act = activation("initialize_workflow", history_length=3, time_ns=LAST_TASK_NS)
    assert not is_stale(act, last_length=0, last_time_ns=None)


def test_a_task_started_before_the_run_was_dropped_is_refused_when_a_late_query_applies_it() -> None:
    # The guard refused (and Core dropped the run, and the task it had buffered) at REFUSED; a late
    # query then brings history ending with that task's WorkflowTaskStarted: its own time, but older.
    refused_at = LAST_TASK_NS + 11_000_000
    act = activation("fire_timer", history_length=69, time_ns=LAST_TASK_NS)
    assert started_before_refusal(act, refused_at_ns=refused_at)


def test_a_task_started_after_the_refusal_runs() -> None:
    refused_at = LAST_TASK_NS
    act = activation("fire_timer", "do_update", history_length=72, time_ns=LAST_TASK_NS + 10_000_000_000)
    assert not started_before_refusal(act, refused_at_ns=refused_at)
    assert not started_before_refusal(act, refused_at_ns=None)


def test_replays_and_queries_are_never_refused_for_an_earlier_refusal() -> None:
    refused_at = LAST_TASK_NS + 11_000_000
    assert not started_before_refusal(
        activation("fire_timer", history_length=69, time_ns=LAST_TASK_NS, replaying=True), refused_at_ns=refused_at
    )
    assert not started_before_refusal(
        activation("query_workflow", history_length=69, time_ns=LAST_TASK_NS), refused_at_ns=refused_at
    )


def test_a_task_started_before_this_worker_existed_is_refused() -> None:
    # The worker that started the task was killed; a late query hands its events to the new worker.
    born = LAST_TASK_NS + 2_000_000_000
    act = activation("resolve_activity", history_length=13, time_ns=LAST_TASK_NS)
    assert started_before_worker(act, worker_born_ns=born)


def test_a_task_started_after_the_worker_came_up_runs_and_replays_are_untouched() -> None:
    born = LAST_TASK_NS
    assert not started_before_worker(
        activation("resolve_activity", "do_update", history_length=16, time_ns=born + 1), worker_born_ns=born
    )
    assert not started_before_worker(
        activation("resolve_activity", history_length=13, time_ns=born - 1, replaying=True), worker_born_ns=born
    )


class _Recorded(WorkflowInstance):
    """Stands in for the sandboxed workflow behind the guard: it records what reaches it."""

    def __init__(self, reached: list[WorkflowActivation]) -> None:
        self._reached = reached

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        self._reached.append(act)
        return WorkflowActivationCompletion(run_id=act.run_id)

    def get_info(self) -> Any:
        raise NotImplementedError

    def get_serialization_context(self, command_info: Any) -> Any:
        return None

    def get_external_store_context(self, command_info: Any) -> Any:
        raise NotImplementedError


class _RecordingRunner(WorkflowRunner):
    def __init__(self) -> None:
        self.reached: list[WorkflowActivation] = []

    def prepare_workflow(self, defn: Any) -> None:
        pass

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Recorded(self.reached)


def test_a_refusal_is_remembered_when_core_rebuilds_the_run_and_each_refusal_names_its_rule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = _RecordingRunner()
    refused_ids: list[str] = []
    runner = GuardedWorkflowRunner(inner, on_refused=refused_ids.append)
    details: Any = SimpleNamespace(info=SimpleNamespace(workflow_id="project/p1"))
    time.sleep(0.002)  # every time below is after the worker's birth

    run = runner.create_instance(details)
    task_ns = time.time_ns()
    assert not run.activate(activation("fire_timer", history_length=9, time_ns=task_ns)).HasField("failed")
    time.sleep(0.002)
    # A late query applies a fired timer with the last task's clock: refused, and the time is marked.
    stale = run.activate(activation("fire_timer", history_length=13, time_ns=task_ns))
    assert stale.failed.failure.message == REFUSAL_MESSAGE

    # Core drops the run; another late query rebuilds it and applies a task started before the refusal.
    rebuilt = runner.create_instance(details)
    dropped_task = rebuilt.activate(activation("resolve_activity", history_length=17, time_ns=task_ns + 1_000))
    assert dropped_task.HasField("failed")
    # The task Temporal retries starts after the refusal: it reaches the workflow.
    retried = rebuilt.activate(activation("resolve_activity", "do_update", history_length=19, time_ns=time.time_ns()))
    assert not retried.HasField("failed")

    assert [a.history_length for a in inner.reached] == [9, 19]
    assert refused_ids == ["project/p1", "project/p1"]
    rules = [r.__dict__["rule"] for r in caplog.records if r.getMessage() == "refused a stale activation"]
    assert rules == ["stale_clock", "started_before_refusal"]


def test_a_refusal_for_one_workflow_leaves_the_others_alone() -> None:
    inner = _RecordingRunner()
    runner = GuardedWorkflowRunner(inner)
    time.sleep(0.002)
    task_ns = time.time_ns()
    first: Any = SimpleNamespace(info=SimpleNamespace(workflow_id="project/p1"))
    other: Any = SimpleNamespace(info=SimpleNamespace(workflow_id="project/p2"))
    run = runner.create_instance(first)
    run.activate(activation("fire_timer", history_length=9, time_ns=task_ns))
    time.sleep(0.002)
    assert run.activate(activation("fire_timer", history_length=13, time_ns=task_ns)).HasField("failed")

    neighbour = runner.create_instance(other)
    assert not neighbour.activate(activation("fire_timer", history_length=9, time_ns=task_ns + 1_000)).HasField(
        "failed"
    )
    assert [a.history_length for a in inner.reached] == [9, 9]
