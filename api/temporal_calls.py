"""The Temporal side of the project routes: start, query, update, each with its failure meanings.

Kept out of the route modules so handlers stay thin and the meaning of Temporal's errors is decided
in one place: a NOT_FOUND from an update means "no such project" only if `describe()` agrees;
otherwise the workflow has completed, so the project has ended (409). Refusals from update
validators travel as `WorkflowUpdateFailedError` and are mapped by `api.errors`.

A workflow that cannot make progress (its tasks fail on every attempt: nondeterminism after a bad
deploy) never makes a 500: a read falls back to the read model, flagged not live (`ProjectRead`);
input gets 503 `stuck` with a reason (`api.errors.stuck`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, RPCTimeoutOrCancelledError, WorkflowHandle, WorkflowQueryFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from api.auth import Principal
from api.errors import (
    PROJECT_NOT_FOUND,
    ApiError,
    not_found,
    project_ended,
    stuck,
    unavailable,
    workflow_cannot_answer,
)
from api.workflow_health import is_stuck
from domain.state import ProjectInput, ProjectState
from store.projects import reads as project_reads
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

P = TypeVar("P")
R = TypeVar("R")
W = TypeVar("W")
Q = TypeVar("Q")

#: Bounds on a call that needs a worker: with none polling, Temporal would hold the request open.
#: Past these the caller gets 503 + Retry-After (api.errors maps TimeoutError); a retry with the
#: same Idempotency-Key is still applied at most once.
QUERY_TIMEOUT_SECONDS = 10.0
UPDATE_TIMEOUT_SECONDS = 30.0

#: Why a read is not live (`ProjectPublic.live_reason`, and the programme's and follow-up's alike).
NOT_LIVE_STUCK = (
    "The workflow could not answer (it keeps failing, so it cannot make progress): this is the last "
    "recorded state, which may be behind; input is refused until it is repaired."
)
NOT_LIVE_ARCHIVED = "The workflow has ended and Temporal no longer keeps it: this is the last recorded state."
NOT_LIVE_SLOW = (
    "No worker answered in time (a deploy or an outage?): this is the last recorded state, which may be behind."
)

#: Project ids are uuid hex; anything else cannot name a project, so it is simply not found.
_PROJECT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def project_handle(client: Client, project_id: str) -> WorkflowHandle[ProjectWorkflow, ProjectState]:
    if not _PROJECT_ID.match(project_id):
        raise not_found(PROJECT_NOT_FOUND)
    return client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(project_id))


async def start_project(client: Client, start: ProjectInput, *, task_queue: str) -> None:
    """Start the project's workflow: once this returns, the project exists durably.

    👉 REJECT_DUPLICATE: the id comes from the Idempotency-Key, so a retry must find the first
    project even after it has ended, never start a second run under the same id.
    No search attributes here: the workflow sets them in its first task (patch
    6-project-search-attributes), milliseconds later, off the request's path. Deploy workers
    before the API, so that every project is started on code that sets them.
    """
    await client.start_workflow(
        ProjectWorkflow.run,
        start,
        id=project_workflow_id(start.project_id),
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )


async def started_input(client: Client, project_id: str) -> ProjectInput | None:
    """The input the project's workflow was started with (for replaying an idempotent create)."""
    handle = project_handle(client, project_id)
    async for event in handle.fetch_history_events():
        if not event.HasField("workflow_execution_started_event_attributes"):
            return None
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        [start] = await client.data_converter.decode(payloads, [ProjectInput])
        assert isinstance(start, ProjectInput)
        # A continued run carries state; the project as created is the input without it.
        return start.model_copy(update={"carried_state": None})
    return None


@dataclass(frozen=True)
class ProjectRead:
    """A project's state and where it came from: the workflow (live) or the read model (not live)."""

    state: ProjectState
    live: bool = True
    not_live_reason: str | None = None


_BUSY = frozenset({RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED})


async def query_or_why_not(handle: WorkflowHandle[Any, Any], query: Callable[[Any], Q]) -> tuple[Q | None, str | None]:
    """Ask the workflow; (answer, None), or (None, why a read should fall back to the read model):
    Temporal no longer keeps the run (NOT_FOUND), it cannot answer (stuck), or no worker answered
    within QUERY_TIMEOUT_SECONDS. Anything else (Temporal gone: 503) is raised."""
    bound = asyncio.timeout(QUERY_TIMEOUT_SECONDS)
    try:
        async with bound:
            return await handle.query(query), None
    except (RPCError, WorkflowQueryFailedError, RPCTimeoutOrCancelledError, TimeoutError) as err:
        # 👉 Temporal is up but cannot get an answer now: no worker took the query in time
        # (DEADLINE_EXCEEDED), or a workflow task is pending, say on a worker that died, and the one
        # query Temporal holds for it is taken (RESOURCE_EXHAUSTED, "consistent query buffer is
        # full"). The read model answers, flagged, as for our own bound.
        if bound.expired() or (isinstance(err, RPCError) and err.status in _BUSY):
            return None, NOT_LIVE_SLOW
        if workflow_cannot_answer(err):
            return None, NOT_LIVE_STUCK
        if isinstance(err, RPCError) and err.status == RPCStatusCode.NOT_FOUND:
            return None, NOT_LIVE_ARCHIVED
        raise


async def read_project_state(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession], project_id: str
) -> ProjectRead | None:
    """The live state from the workflow; else the read model's last snapshot, flagged not live, when
    Temporal has forgotten the run, the workflow cannot answer (it is stuck) or no worker answers."""
    live, reason = await query_or_why_not(project_handle(client, project_id), ProjectWorkflow.status)
    if live is not None:
        return ProjectRead(live)
    async with sessionmaker() as session:
        row = await project_reads.get_project(session, project_id)
    if row is None or row.state is None:
        if reason == NOT_LIVE_ARCHIVED:
            return None  # neither Temporal nor the read model knows it: not found
        # 👉 Temporal has the run (it just cannot answer now) but nothing is recorded yet, as in the
        # moments after a create while the worker restarts: the project exists, so not 404 but 503.
        raise unavailable()
    return ProjectRead(ProjectState.model_validate(row.state), live=False, not_live_reason=reason)


async def project_state(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession], project_id: str
) -> ProjectState | None:
    """The project's state as `read_project_state` finds it, for callers that need no provenance."""
    found = await read_project_state(client, sessionmaker, project_id)
    return found.state if found is not None else None


async def run_update(
    client: Client,
    project_id: str,
    update: UpdateMethodMultiParam[[ProjectWorkflow, P], R],
    arg: P,
    *,
    update_id: str | None = None,
) -> R:
    """Execute `update` and return its result; the same `update_id` never applies twice."""
    return await execute_update_or_explain(
        client,
        project_handle(client, project_id),
        update,
        arg,
        update_id=update_id,
        unknown=lambda: not_found(PROJECT_NOT_FOUND),
        ended=project_ended,
    )


async def bounded_update(
    client: Client,
    handle: WorkflowHandle[W, Any],
    update: UpdateMethodMultiParam[[W, P], R],
    arg: P,
    *,
    update_id: str | None,
) -> R:
    """`execute_update` bounded by UPDATE_TIMEOUT_SECONDS; a workflow that cannot accept it is 503 `stuck`.

    Temporal answers FAILED_PRECONDITION ("Workflow Task in failed state") to an update while the
    workflow's task keeps failing, after holding it ~20 s; an update that outlives our bound on such a
    workflow is the same case.
    """
    bound = asyncio.timeout(UPDATE_TIMEOUT_SECONDS)
    try:
        async with bound:
            return await handle.execute_update(update, arg, id=update_id)
    except (RPCError, RPCTimeoutOrCancelledError, TimeoutError) as err:
        # Our bound cancels the call; the SDK may report that as its own RPCTimeoutOrCancelledError.
        refused = isinstance(err, RPCError) and err.status == RPCStatusCode.FAILED_PRECONDITION
        if not (refused or bound.expired()):
            raise
        if await is_stuck(client, handle.id):
            raise stuck() from None
        raise unavailable() from None


async def execute_update_or_explain(
    client: Client,
    handle: WorkflowHandle[W, Any],
    update: UpdateMethodMultiParam[[W, P], R],
    arg: P,
    *,
    update_id: str | None,
    unknown: Callable[[], ApiError],
    ended: Callable[[], ApiError],
) -> R:
    """Execute an update; a NOT_FOUND from Temporal becomes `unknown` (no such workflow) or `ended`
    (it exists but has completed and takes no more input); an update a failing workflow never
    accepts becomes 503 `stuck`. Shared by projects and programmes."""
    try:
        return await bounded_update(client, handle, update, arg, update_id=update_id)
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    try:
        await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise unknown() from None
        raise
    raise ended()


async def require_visible(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession], project_id: str, principal: Principal
) -> None:
    """404 unless `principal` may see the project. Staff see all, so this costs them nothing."""
    if principal.is_staff:
        return
    state = await project_state(client, sessionmaker, project_id)
    if state is None or not principal.may_see(state.partner_ids):
        raise not_found(PROJECT_NOT_FOUND)


def update_id(update_name: str, principal: Principal, idempotency_key: str | None) -> str | None:
    """The Temporal update id for a request's Idempotency-Key (None: a fresh one per request).

    Scoped by update and caller so one key reused for another action, or by another caller,
    never returns someone else's result.
    """
    if idempotency_key is None:
        return None
    return f"{update_name}:{principal.key_id}:{idempotency_key}"
