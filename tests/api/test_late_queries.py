"""A query the API has given up on never reaches a worker that starts later (issue 11).

The projects wedged in issue 11 were all made by late queries: sent while no worker polled, handed
to the replacement worker seconds later with history that had grown meanwhile. How late a query can
arrive is bounded by how long the API waits for it: when the API gives up (and the read model
answers), the call's cancellation reaches Temporal, which withdraws the query from the task queue;
the API also tells Temporal its bound as the gRPC deadline (api.temporal_calls.query_or_why_not), so
the two agree even where a cancellation might not travel. This test makes that moment for real on
the dev server: a run whose worker has gone, a query that times out, then a new worker; the
workflow's query handler counts what reaches it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from temporalio import workflow
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from api import temporal_calls
from api.errors import ended, not_found
from api.temporal_refusals import NOT_LIVE_SLOW

#: Queries the stand-in workflow below has answered, by workflow id (this process only).
ANSWERED: dict[str, int] = {}


@workflow.defn(name="EngageLateQueryProbe")
class LateQueryProbe:
    """A stand-in that waits for ever and counts the queries reaching it (the replay step skips it)."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.query
    def status(self) -> int:
        wid = workflow.info().workflow_id
        ANSWERED[wid] = ANSWERED.get(wid, 0) + 1
        return ANSWERED[wid]


@asynccontextmanager
async def serving(client: Client, task_queue: str) -> AsyncIterator[None]:
    # 👉 No cache, so no sticky queue: every task and query goes through the task queue itself,
    # which is where a late query waited for the replacement worker.
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[LateQueryProbe],
        workflow_runner=UnsandboxedWorkflowRunner(),
        max_cached_workflows=0,
    ):
        yield


async def test_a_query_the_api_gave_up_on_is_not_handed_to_the_next_worker(
    temporal_dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(temporal_calls, "QUERY_TIMEOUT_SECONDS", 1.0)
    client = temporal_dev_env.client
    task_queue = f"late-queries-{uuid.uuid4().hex}"
    workflow_id = f"late-query-probe-{uuid.uuid4().hex}"
    # 👉 By name: given this no-argument run method, mypy 2.4.1 mis-solved the handle types of every
    # other get_workflow_handle_for in the same check.
    handle = await client.start_workflow("EngageLateQueryProbe", id=workflow_id, task_queue=task_queue)
    target = temporal_calls.Target(
        handle=handle, unknown=lambda: not_found("probe"), ended=lambda: ended("probe", "id")
    )
    try:
        async with serving(client, task_queue):
            assert await temporal_calls.query_or_why_not(target, LateQueryProbe.status) == (1, None)

        # The worker has gone: the API's bound passes and the read model would answer.
        assert await temporal_calls.query_or_why_not(target, LateQueryProbe.status) == (None, NOT_LIVE_SLOW)

        async with serving(client, task_queue):
            await asyncio.sleep(3.0)  # the new worker polls; a query still waiting would reach it now
            assert ANSWERED[workflow_id] == 1, "the query the API gave up on never reached a worker"
            # The new worker does answer what is asked while it runs.
            assert await temporal_calls.query_or_why_not(target, LateQueryProbe.status) == (2, None)
    finally:
        await handle.terminate(reason="test finished")
