"""Temporal fixtures: real servers from the PyPI wheels (never downloaded at test time).

The dev server is shared by the session (tests isolate themselves with a fresh task queue and
fresh workflow ids); the time-skipping server is per test, because its clock is shared.

Every stack exports the history of every run it produced when it shuts down
(tests/history_export.py), and `make replay-all` replays them all after the suite. A test whose
histories must not replay with today's code says so with `@pytest.mark.replay_exempt(reason=...)`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.history_export import (
    SESSION,
    RunLabel,
    StartRecorder,
    export_cost,
    export_histories,
    label_task_queue,
    set_current_test,
)
from tests.history_folder import export_dir, start_export_session
from tests.temporal_env import start_dev_server, start_time_skipping
from workflows.naming import REGISTRY


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "replay_exempt(reason): this test's workflow histories are not expected to replay with today's code "
        "(e.g. a deliberately incompatible stand-in under a real workflow name); `make replay-all` lists them",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    start_export_session()


def label_of(item: pytest.Item) -> RunLabel:
    """The test's id, and the reason its `replay_exempt` marker gives (required: opting out is visible)."""
    marker = item.get_closest_marker("replay_exempt")
    if marker is None:
        return RunLabel(item.nodeid)
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
    if not str(reason).strip():
        raise pytest.UsageError(f"{item.nodeid}: replay_exempt needs a reason")
    return RunLabel(item.nodeid, str(reason))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    stacks, histories, seconds = export_cost()
    if stacks:
        terminalreporter.write_line(
            f"history export: {histories} workflow histories from {stacks} Temporal stacks in {seconds:.1f} s "
            f"into {export_dir()} (make replay-all replays them)"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Label every run started while this test (and its fixtures) runs with the test's id."""
    set_current_test(label_of(item))
    try:
        return (yield)
    finally:
        set_current_test(None)


@contextlib.asynccontextmanager
async def dev_server_stack(label: RunLabel) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server with our search attributes that exports every run's history when it stops.

    Runs are labelled with the test whose client started them (or whose task queue they ran on),
    else with `label`: the session for the shared server, the test for a test's own server."""
    recorder = StartRecorder()
    env = await start_dev_server(REGISTRY, interceptors=[recorder])
    try:
        yield env
    finally:
        try:
            await export_histories(env.client, recorded=recorder.starts, visibility=True, default_label=label)
        finally:
            await env.shutdown()


@contextlib.asynccontextmanager
async def time_skipping_stack(label: RunLabel) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server that exports, when it stops, every run its client started and what
    those led to (the server has no visibility, so runs are followed through their histories)."""
    recorder = StartRecorder()
    env = await start_time_skipping(REGISTRY, interceptors=[recorder])
    try:
        yield env
    finally:
        try:
            await export_histories(env.client, recorded=recorder.starts, visibility=False, default_label=label)
        finally:
            await env.shutdown()


@pytest.fixture(scope="session")
async def temporal_dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real `temporal server start-dev` (in-memory SQLite) with our search attributes."""
    async with dev_server_stack(SESSION) as env:
        yield env


@pytest.fixture
async def time_skipping_env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server: months pass in milliseconds while a test awaits a result.

    One per test: its clock is global to the server, and a workflow task left in flight by an
    earlier test (a terminated run, a rejected update) stops it skipping time for everyone.
    The native test server starts in a fraction of a second, so isolation is cheap.
    """
    async with time_skipping_stack(label_of(request.node)) as env:
        yield env


@pytest.fixture
def task_queue() -> str:
    queue = f"test-{uuid.uuid4().hex}"
    label_task_queue(queue)
    return queue
