"""Every meaning of a failed Temporal call answers with ONE status and ONE code, whatever the workflow (issue 13).

`ANSWERS` is the contract (api.temporal_refusals' table says the same in words). Each case makes the
failure happen for real on a dev server where one can: a run Temporal never held, a run that has
ended, a run no worker answers, a second start of one id, nothing listening at the address. Only failures
that need a failing or refusing worker use the SDK's own exception types here; end to end they are
covered by test_wedged_project (stuck) and test_refusals (a validator's refusal).

The probes are runs of a type no worker serves ("EngageMappingProbe"): no worker ever takes them,
and the replay step skips types that are not ours.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RetryConfig, RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api import temporal_calls
from api.errors import ended, failure_to_api_error, project_ended
from api.temporal_refusals import (
    NOT_LIVE_ARCHIVED,
    NOT_LIVE_CATCHING_UP,
    NOT_LIVE_SLOW,
    NOT_LIVE_STUCK,
    REFUSAL_STATUS,
    SERVER_AWAY,
    why_not_live,
    workflow_cannot_answer,
)
from domain.actors import Actor
from domain.exchange import Shortlisting
from domain.lifecycle import Party
from domain.rules import RefusalKind
from domain.submissions import StaffAction
from tests.faults.processes import free_port
from tests.temporal_env import codec_converter
from tests.workflows.support import CATALOG, project_input
from workflows.activation_guard import REFUSAL_MESSAGE
from workflows.exchange import ExchangeProgrammeWorkflow
from workflows.naming import exchange_workflow_id, project_workflow_id
from workflows.project import ProjectWorkflow

#: meaning -> (HTTP status, `error` code): one row per meaning, for every workflow and surface.
ANSWERS: dict[str, tuple[int, str]] = {
    "unknown": (404, "NotFound"),
    "ended": (409, "ProjectEnded"),
    "stuck": (503, "stuck"),
    "away": (503, "Unavailable"),
    "already started": (409, "Conflict"),
}
PROBE = "EngageMappingProbe"
STAFF = Actor(party=Party.STAFF, label="staff")


def answer(exc: BaseException) -> tuple[int, str]:
    """What a JSON route (and, through the same function, a page) answers for `exc`."""
    error = failure_to_api_error(exc, caller_is_partner=False)
    assert error is not None, f"{type(exc).__name__} would be a 500"
    if error.status_code == 503:
        assert error.headers["Retry-After"].isdigit()
    return error.status_code, error.body()["error"]


async def raised(call: Callable[[], Awaitable[Any]]) -> tuple[int, str]:
    with pytest.raises(Exception) as caught:
        await call()
    return answer(caught.value)


@pytest.fixture
async def client(temporal_dev_env: WorkflowEnvironment) -> AsyncIterator[Client]:
    yield temporal_dev_env.client


def fresh_year() -> int:
    return 5000 + uuid.uuid4().int % 4000  # far from any year another test opens


async def probe(client: Client, workflow_id: str, task_queue: str, *, ended: bool) -> None:
    handle = await client.start_workflow(PROBE, id=workflow_id, task_queue=task_queue)
    if ended:
        await handle.terminate(reason="the mapping test needs a run that has ended")


def pause_project(client: Client, project_id: str) -> Callable[[], Awaitable[Any]]:
    target = temporal_calls.project(client, project_id)
    return lambda: temporal_calls.update(
        client, target, ProjectWorkflow.pause, StaffAction(actor=STAFF), update_id=None
    )


def shortlist(client: Client, year: int) -> Callable[[], Awaitable[Any]]:
    target = temporal_calls.programme(client, year)
    arg = Shortlisting(application_id="a1", organisation="museum", actor=STAFF)
    return lambda: temporal_calls.update(client, target, ExchangeProgrammeWorkflow.shortlist, arg, update_id=None)


async def test_a_workflow_temporal_never_held_is_404_not_found_for_projects_and_programmes(client: Client) -> None:
    assert await raised(pause_project(client, uuid.uuid4().hex)) == ANSWERS["unknown"]
    assert await raised(shortlist(client, fresh_year())) == ANSWERS["unknown"]
    # Temporal's own NOT_FOUND, reaching the mapping without a target (a describe, say), means the same.
    missing = client.get_workflow_handle(project_workflow_id(uuid.uuid4().hex))
    assert await raised(missing.describe) == ANSWERS["unknown"]
    # A read falls back instead: the run is not kept (any more), so the read model answers.
    target = temporal_calls.project(client, uuid.uuid4().hex)
    assert await temporal_calls.query_or_why_not(target, ProjectWorkflow.status) == (None, NOT_LIVE_ARCHIVED)


async def test_a_run_that_has_ended_is_409_project_ended_for_projects_and_programmes(
    client: Client, task_queue: str
) -> None:
    project_id, year = uuid.uuid4().hex, fresh_year()
    await probe(client, project_workflow_id(project_id), task_queue, ended=True)
    await probe(client, exchange_workflow_id(year), task_queue, ended=True)
    # Temporal answers NOT_FOUND to an update on a completed run; describe finds the run: ended.
    assert await raised(pause_project(client, project_id)) == ANSWERS["ended"]
    assert await raised(shortlist(client, year)) == ANSWERS["ended"]
    # A validator saying so (a withdrawn project, a closed programme) answers the same code.
    refused = ApplicationError("closed", {"field": "project", "reason": "closed"}, type=RefusalKind.ENDED.value)
    assert answer(WorkflowUpdateFailedError(refused)) == ANSWERS["ended"]


async def test_a_run_no_worker_answers_is_a_slow_read_and_503_unavailable_for_input(
    client: Client, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(temporal_calls, "QUERY_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(temporal_calls, "UPDATE_TIMEOUT_SECONDS", 1.0)
    project_id = uuid.uuid4().hex
    await probe(client, project_workflow_id(project_id), task_queue, ended=False)
    try:
        target = temporal_calls.project(client, project_id)
        assert await temporal_calls.query_or_why_not(target, ProjectWorkflow.status) == (None, NOT_LIVE_SLOW)
        # Not stuck (its task was never tried, let alone failed): an outage, so retry soon.
        assert await raised(pause_project(client, project_id)) == ANSWERS["away"]
    finally:
        await client.get_workflow_handle(project_workflow_id(project_id)).terminate()


async def test_a_second_start_under_the_same_id_is_409_conflict_even_after_the_first_ended(
    client: Client, task_queue: str
) -> None:
    template = CATALOG.latest("co-curation")
    assert template is not None
    start = project_input(template, datetime.now(UTC))
    await temporal_calls.start_project(client, start, task_queue=task_queue)  # no worker: it never runs
    await client.get_workflow_handle(project_workflow_id(start.project_id)).terminate()
    again = lambda: temporal_calls.start_project(client, start, task_queue=task_queue)  # noqa: E731
    assert await raised(again) == ANSWERS["already started"]


async def test_nothing_listening_at_the_address_is_503_unavailable() -> None:
    client = await Client.connect(
        f"127.0.0.1:{free_port()}",
        data_converter=codec_converter(),
        retry_config=RetryConfig(max_elapsed_time_millis=500, max_retries=1),
        lazy=True,
    )
    assert await raised(pause_project(client, uuid.uuid4().hex)) == ANSWERS["away"]


@pytest.mark.parametrize("code", sorted(SERVER_AWAY))
def test_every_status_of_a_server_going_away_is_503_unavailable(code: RPCStatusCode) -> None:
    assert answer(RPCError("transport error", code, b"")) == ANSWERS["away"]


def test_a_workflow_that_cannot_make_progress_is_503_stuck() -> None:
    assert answer(WorkflowQueryFailedError("nondeterminism")) == ANSWERS["stuck"]
    assert answer(RPCError("Workflow Task in failed state", RPCStatusCode.FAILED_PRECONDITION, b"")) == ANSWERS["stuck"]


@pytest.mark.parametrize("kind", list(RefusalKind))
def test_each_refusal_kind_has_one_status_and_its_own_name_as_code(kind: RefusalKind) -> None:
    refused = ApplicationError("no", {"field": "x", "reason": "no"}, type=kind.value)
    assert answer(WorkflowUpdateFailedError(refused)) == (REFUSAL_STATUS[kind.value], kind.value)


def test_the_ended_answers_built_by_the_api_use_the_one_code() -> None:
    for error in (project_ended(), ended("That programme has closed.", "year")):
        assert (error.status_code, error.body()["error"]) == ANSWERS["ended"]


def test_a_query_the_activation_guard_refused_is_momentary_not_stuck() -> None:
    # What a query gets back when the worker's guard refuses it for racing a pending task
    # (workflows/activation_guard.py): the read model answers, saying why, and nothing reads as stuck.
    refused = WorkflowQueryFailedError(REFUSAL_MESSAGE)
    assert not workflow_cannot_answer(refused)
    assert why_not_live(refused, bound_expired=False) == NOT_LIVE_CATCHING_UP
    assert answer(refused) == ANSWERS["away"]
    # Any other failed query still means the workflow cannot make progress.
    broken = WorkflowQueryFailedError("Nondeterminism error: Timer machine does not handle this event")
    assert workflow_cannot_answer(broken)
    assert why_not_live(broken, bound_expired=False) == NOT_LIVE_STUCK
    assert answer(broken) == ANSWERS["stuck"]
