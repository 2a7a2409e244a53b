"""THE module that talks to Temporal for the API: it starts, updates, queries, signals and describes
every workflow of ours (projects, follow-up, the Knowledge Exchange programme and its yearly schedule).

Why one module: every call needs the same care, written once. A call that needs a worker is bounded
(no worker must not hold a request open: 503 + Retry-After; a retry with the same Idempotency-Key still
applies once). What a failure means is classified in `api.temporal_refusals` and answered by
`api.errors`, one status and one code per meaning, for JSON routes and pages alike:
- an update's NOT_FOUND means "no such workflow" only if `describe()` agrees; otherwise the run has
  completed, so it has ended (409 `ProjectEnded`);
- a workflow that cannot make progress (its tasks fail on every attempt: nondeterminism after a bad
  deploy) never makes a 500: a project's read falls back to the read model, flagged not live
  (`api.live_state`); input gets 503 `stuck`;
- a validator's refusal travels as `WorkflowUpdateFailedError`, mapped by `api.errors`;
- a signal is best effort (the input it announces is stored first): a failed one is logged, never raised.
Features name a workflow by a `Target` built here (its handle; what "unknown" and "ended" mean to a
person) and hold no handle. Schedules: `api.temporal_schedules`; "is it stuck?": `api.workflow_health`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

import structlog
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode
from temporalio.types import MethodAsyncSingleParam, MethodSyncOrAsyncSingleParam
from temporalio.workflow import UpdateMethodMultiParam

from api.auth import Principal
from api.errors import (
    PROJECT_NOT_FOUND,
    ApiError,
    ended,
    follow_up_finished,
    not_found,
    project_ended,
    stuck,
    unavailable,
)
from api.exchange.errors import PROGRAMME_CLOSED, PROGRAMME_NOT_FOUND
from api.temporal_refusals import NOT_LIVE_ARCHIVED as NOT_LIVE_ARCHIVED  # re-exported: the read's reasons
from api.temporal_refusals import NOT_LIVE_SLOW as NOT_LIVE_SLOW
from api.temporal_refusals import NOT_LIVE_STUCK as NOT_LIVE_STUCK
from api.temporal_refusals import is_not_found, why_not_live
from api.workflow_health import is_stuck
from domain.exchange import ExchangeState
from domain.follow_up import FollowUpState
from domain.state import ProjectInput, ProjectState
from workflows.exchange import ExchangeProgrammeWorkflow
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import exchange_workflow_id, follow_up_workflow_id, project_workflow_id
from workflows.project import ProjectWorkflow

P = TypeVar("P")
R = TypeVar("R")
W = TypeVar("W")
S = TypeVar("S")
Q = TypeVar("Q")

#: Bounds on a call that needs a worker: with none polling, Temporal would hold the request open.
#: A query's bound is also its gRPC deadline, so Temporal withdraws a query nobody waits for: one
#: handed to a worker long after it was sent is what raced pending workflow tasks and wedged
#: projects (issue 11, workflows/activation_guard.py). Short, too, because a person is waiting:
#: after it the read model answers, flagged not live.
QUERY_TIMEOUT_SECONDS = 3.0
#: Describing a run needs no worker: only Temporal itself being slow bounds it.
DESCRIBE_TIMEOUT_SECONDS = 10.0
UPDATE_TIMEOUT_SECONDS = 30.0
#: A signal is best effort and must never hold up the request whose input it announces.
SIGNAL_TIMEOUT = timedelta(seconds=3)

#: Project ids are uuid hex; anything else cannot name a project, so it is simply not found.
PROJECT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

log = structlog.get_logger("engage.api")


@dataclass(frozen=True)
class Target(Generic[W, S]):
    """One of our workflows as a request names it, with what its absence means to a person:
    `unknown` (Temporal holds no such run: 404) and `ended` (the run has completed: 409 `ProjectEnded`)."""

    handle: WorkflowHandle[W, S]
    unknown: Callable[[], ApiError]
    ended: Callable[[], ApiError]


def project_handle(client: Client, project_id: str) -> WorkflowHandle[ProjectWorkflow, ProjectState]:
    if not PROJECT_ID.match(project_id):
        raise not_found(PROJECT_NOT_FOUND)
    return client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(project_id))


def project(client: Client, project_id: str) -> Target[ProjectWorkflow, ProjectState]:
    return Target(project_handle(client, project_id), lambda: not_found(PROJECT_NOT_FOUND), project_ended)


def programme(client: Client, year: int) -> Target[ExchangeProgrammeWorkflow, ExchangeState]:
    handle = client.get_workflow_handle_for(ExchangeProgrammeWorkflow.run, exchange_workflow_id(year))
    return Target(handle, lambda: not_found(PROGRAMME_NOT_FOUND), lambda: ended(PROGRAMME_CLOSED, "year"))


def follow_up(client: Client, project_id: str) -> Target[FollowUpWorkflow, FollowUpState]:
    """A project's follow-up: a run Temporal no longer holds has finished too (its waves all closed)."""
    handle = client.get_workflow_handle_for(FollowUpWorkflow.run, follow_up_workflow_id(project_id))
    return Target(handle, follow_up_finished, follow_up_finished)


async def start(
    client: Client,
    run: MethodAsyncSingleParam[W, P, Any],
    arg: P,
    *,
    workflow_id: str,
    task_queue: str,
    search_attributes: TypedSearchAttributes | None = None,
) -> None:
    """Start a workflow: once this returns, it exists durably. 👉 REJECT_DUPLICATE: our ids are business
    keys (an Idempotency-Key, a year), so a retry must find the first run even after it has ended, never
    start a second; a duplicate raises WorkflowAlreadyStartedError, answered 409 by api.errors."""
    await client.start_workflow(
        run,
        arg,
        id=workflow_id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=search_attributes,
    )


async def start_project(client: Client, start_input: ProjectInput, *, task_queue: str) -> None:
    """Start the project's workflow. No search attributes here: the workflow sets them in its first
    task (patch 6-project-search-attributes), off the request's path; deploy workers before the API."""
    project_id = project_workflow_id(start_input.project_id)
    await start(client, ProjectWorkflow.run, start_input, workflow_id=project_id, task_queue=task_queue)


async def started_input(client: Client, project_id: str) -> ProjectInput | None:
    """The input the project's workflow was started with (for replaying an idempotent create)."""
    handle = project_handle(client, project_id)
    async for event in handle.fetch_history_events():
        if not event.HasField("workflow_execution_started_event_attributes"):
            return None
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        [first] = await client.data_converter.decode(payloads, [ProjectInput])
        assert isinstance(first, ProjectInput)
        # A continued run carries state; the project as created is the input without it.
        return first.model_copy(update={"carried_state": None})
    return None


async def query_or_why_not(target: Target[Any, Any], query: Callable[[Any], Q]) -> tuple[Q | None, str | None]:
    """Ask the workflow; (answer, None), or (None, why a read should fall back to the read model):
    Temporal no longer keeps the run, it cannot answer (stuck), or no worker answered within
    QUERY_TIMEOUT_SECONDS (api.temporal_refusals.why_not_live). Anything else (Temporal gone) is raised."""
    deadline = timedelta(seconds=QUERY_TIMEOUT_SECONDS)
    # 👉 Our own bound is a little later than the deadline Temporal is told, so it is Temporal that
    # gives up first and withdraws the query from the task queue.
    bound = asyncio.timeout(QUERY_TIMEOUT_SECONDS + 1.0)
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + QUERY_TIMEOUT_SECONDS
    try:
        async with bound:
            return await target.handle.query(query, rpc_timeout=deadline), None
    except (RPCError, WorkflowQueryFailedError, RPCTimeoutOrCancelledError, TimeoutError) as err:
        # 👉 Temporal up but unable to answer now (no worker took the query in time, or the one query it
        # holds for a pending task is taken) reads as slow, like our own bound: the read model answers.
        # The deadline passing comes back as CANCELLED ("Timeout expired"), which alone would read as
        # Temporal going away; the clock tells them apart.
        reason = why_not_live(err, bound_expired=bound.expired() or loop.time() >= give_up_at)
        if reason is None:
            raise
        return None, reason


async def run_status(target: Target[Any, Any]) -> bool | None:
    """True: the run is open; False: it has completed; None: Temporal holds no such run."""
    try:
        async with asyncio.timeout(DESCRIBE_TIMEOUT_SECONDS):
            described = await target.handle.describe()
    except RPCError as err:
        if not is_not_found(err):
            raise
        return None
    return described.status is WorkflowExecutionStatus.RUNNING


async def update(
    client: Client,
    target: Target[W, Any],
    method: UpdateMethodMultiParam[[W, P], R],
    arg: P,
    *,
    update_id: str | None,
) -> R:
    """Execute an update (waiting until it is done, so accepted means durable) and return its result.

    Bounded by UPDATE_TIMEOUT_SECONDS. Temporal answers FAILED_PRECONDITION ("Workflow Task in failed
    state") while the workflow's task keeps failing, after holding the update ~20 s; an update outliving
    our bound on such a workflow is the same case: 503 `stuck`, else 503 (no worker). A NOT_FOUND is the
    target's `unknown` or, when the run exists (it has completed), its `ended`.
    """
    bound = asyncio.timeout(UPDATE_TIMEOUT_SECONDS)
    try:
        async with bound:
            return await target.handle.execute_update(method, arg, id=update_id)
    except (RPCError, RPCTimeoutOrCancelledError, TimeoutError) as err:
        # Our bound cancels the call; the SDK may report that as its own RPCTimeoutOrCancelledError.
        refused = isinstance(err, RPCError) and err.status == RPCStatusCode.FAILED_PRECONDITION
        if refused or bound.expired():
            raise (stuck() if await is_stuck(client, target.handle.id) else unavailable()) from None
        if not is_not_found(err):
            raise
    raise (target.unknown() if await run_status(target) is None else target.ended())


async def run_update(
    client: Client,
    project_id: str,
    method: UpdateMethodMultiParam[[ProjectWorkflow, P], R],
    arg: P,
    *,
    update_id: str | None = None,
) -> R:
    """Execute an update on a project and return its result; the same `update_id` never applies twice."""
    return await update(client, project(client, project_id), method, arg, update_id=update_id)


async def signal(
    target: Target[W, Any], method: MethodSyncOrAsyncSingleParam[W, P, None], arg: P, *, must_reach: bool = False
) -> bool:
    """Signal, best effort: False (logged by workflow id, signal and error type) if it did not get through.

    Only for input already stored: the workflow's activities read the store, so a lost signal costs a
    delay at most. Never raises (the workflow may also have finished). With `must_reach` (erasure), False
    only when no such run is open; any other failure is raised (api.errors answers 503).
    """
    try:
        await target.handle.signal(method, arg, rpc_timeout=SIGNAL_TIMEOUT)
    except Exception as exc:
        if must_reach:
            if is_not_found(exc):
                return False  # nothing in flight: not a deferred signal, nothing to log
            raise
        name = getattr(method, "__name__", "signal")
        log.warning("signal_deferred", workflow_id=target.handle.id, signal=name, error=type(exc).__name__)
        return False
    return True


async def cancel(client: Client, workflow_id: str) -> bool:
    """Ask a workflow to cancel, best effort: False if no run is open or the request did not get through
    (logged by workflow id and error type). Never raises."""
    try:
        await client.get_workflow_handle(workflow_id).cancel(rpc_timeout=SIGNAL_TIMEOUT)
    except Exception as exc:
        if not is_not_found(exc):
            log.warning("cancel_deferred", workflow_id=workflow_id, error=type(exc).__name__)
        return False
    return True


def update_id(update_name: str, principal: Principal, idempotency_key: str | None) -> str | None:
    """The Temporal update id for a request's Idempotency-Key (None: a fresh one per request).

    Scoped by update and caller so one key reused for another action, or by another caller,
    never returns someone else's result.
    """
    if idempotency_key is None:
        return None
    return f"{update_name}:{principal.key_id}:{idempotency_key}"
