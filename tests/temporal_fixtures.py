"""Temporal fixtures: real servers from the PyPI wheels (never downloaded at test time).

The dev server is shared by the session (tests isolate themselves with a fresh task queue and
fresh workflow ids); the time-skipping server is per test, because its clock is shared.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.temporal_env import start_dev_server, start_time_skipping
from workflows.naming import REGISTRY


@pytest.fixture(scope="session")
async def temporal_dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real `temporal server start-dev` (in-memory SQLite) with our search attributes."""
    env = await start_dev_server(REGISTRY)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server: months pass in milliseconds while a test awaits a result.

    One per test: its clock is global to the server, and a workflow task left in flight by an
    earlier test (a terminated run, a rejected update) stops it skipping time for everyone.
    The native test server starts in a fraction of a second, so isolation is cheap.
    """
    env = await start_time_skipping(REGISTRY)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex}"
