"""The activation guard's rule, on activations shaped like the ones Core sends (workflows/activation_guard.py)."""

from __future__ import annotations

from temporalio.bridge.proto.workflow_activation import WorkflowActivation

from workflows.activation_guard import is_stale, started_before_worker

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
