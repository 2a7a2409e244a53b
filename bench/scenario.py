"""What the benchmarks do to a stack: the requests people make, and the raw calls beside them.

Engage's side goes through the public HTTP API with real keys; the raw side calls the same
Temporal client directly on `bench.raw_workflows`. Set-up that is not being measured (many
projects or raw workflows at once) runs at modest concurrency, as the machine has 2 cores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import WorkflowHandle

from bench.http import HttpClient, ok
from bench.raw_workflows import RawWorkflow
from bench.stack import Stack, raw_id
from bench.stats import eventually

TEMPLATE = "co-curation"
SETUP_CONCURRENCY = 10
EVIDENCE = {"summary": "Our proposal: a display about the river's working lives.", "links": ["https://example.org/p"]}


def project_body(partner_ids: list[str]) -> dict[str, Any]:
    return {
        "template": TEMPLATE,
        "title": "Voices of the River",
        "summary": "A co-curated display about the river's working lives.",
        "lead": {"name": "Project Lead", "email": "lead@museum.example"},
        "partner_ids": partner_ids,
    }


async def create_project(http: HttpClient, partner_ids: list[str]) -> str:
    return str(ok(await http.post("/api/v1/projects", json=project_body(partner_ids)), 201)["id"])


async def submit(http: HttpClient, project_id: str, milestone_key: str = "proposal") -> None:
    url = f"/api/v1/projects/{project_id}/milestones/{milestone_key}/submissions"
    ok(await http.post(url, json=EVIDENCE), 201)


async def in_parallel(
    count: int, make: Callable[[int], Awaitable[Any]], concurrency: int = SETUP_CONCURRENCY
) -> list[Any]:
    """`make(0..count-1)` with at most `concurrency` in flight; results in index order."""
    limit = asyncio.Semaphore(concurrency)

    async def one(i: int) -> Any:
        async with limit:
            return await make(i)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def create_projects(stack: Stack, count: int, partner_ids: list[str]) -> list[str]:
    ids = await in_parallel(count, lambda _: create_project(stack.staff(), partner_ids))
    await read_model_caught_up(stack)
    return ids


async def read_model_caught_up(stack: Stack, within_s: float = 600.0) -> float:
    """Wait until the worker's backlog is empty: every project recorded, and no new event rows for a while.

    Returns the seconds waited (how far the read model was behind when called).
    """
    last = -1
    quiet = 0

    async def caught_up() -> bool:
        nonlocal last, quiet
        unrecorded = int(await stack.scalar("SELECT count(*) FROM project WHERE event_seq = 0"))
        events = int(await stack.scalar("SELECT count(*) FROM event"))
        quiet = quiet + 1 if (unrecorded == 0 and events == last) else 0
        last = events
        return quiet >= 2

    return await eventually(caught_up, within_s=within_s, interval_s=stack.poll_s)


async def start_raw(stack: Stack, workflow_id: str | None = None) -> WorkflowHandle[RawWorkflow, int]:
    return await stack.client.start_workflow(
        RawWorkflow.run, "trivial", id=workflow_id or raw_id(), task_queue=stack.raw_task_queue
    )


async def start_raws(stack: Stack, count: int) -> list[WorkflowHandle[RawWorkflow, int]]:
    return await in_parallel(count, lambda _: start_raw(stack))
