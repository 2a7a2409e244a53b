"""7. Worker memory (RSS) with 1,000 and 10,000 open projects, and what an eviction costs.

Engage's worker runs as its own process (`python worker.py`) with its default
`max_cached_workflows` (WorkerSettings, 2,000). Projects are started through the same call the API
makes (`api.temporal_calls.start_project`, no HTTP: this measures the worker) and each takes one
Update (the partner submits the proposal), so every one has been in the worker's cache. RSS is
read from /proc/<pid>/status once the worker is idle. With 1,000 open projects all are cached;
with 10,000 only the cache's worth are, and RSS must stay bounded by the cache setting.

Eviction cost: an Update (`pause`) to a project evicted long ago (the worker replays its history
into the cache first) against one to a project still cached, alternating, each to a fresh project.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from api.temporal_calls import project_handle, start_project
from bench import scenario, servers, stats
from bench.context import BenchContext
from bench.stack import Stack, open_stack
from domain.lifecycle import Party
from domain.state import ProjectInput
from domain.submissions import Actor, MilestoneSubmission, Person, StaffAction
from domain.templates import TemplateCatalog
from store.partners import writes as partner_writes
from workflows.project import ProjectWorkflow

LOAD_CONCURRENCY = 20
GIB = 1024**3


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    steps, cache, evictions = ((8, 20), 10, 3) if ctx.smoke else ((1_000, 10_000), None, 100)
    async with open_stack(
        ctx.root, "memory", db=db, poll_s=ctx.poll_s, api=False, raw_worker=False, max_cached_workflows=cache
    ) as stack:
        worker_pid = stack.engage_worker_pid
        async with stack.sessionmaker.begin() as session:
            partner = await partner_writes.create_partner(
                session, name="Partner", contact_name="Contact", contact_email="c@example.org", now=datetime.now(UTC)
            )
        project = _ProjectMaker(stack, partner.id)
        await project.open_more(5)  # imports and first-use costs, not per-project memory
        await scenario.read_model_caught_up(stack)
        baseline = await _idle_rss(worker_pid, ctx.smoke)
        result: dict[str, Any] = {
            "max_cached_workflows": cache if cache is not None else _default_cache(),
            "baseline_rss_mib": _mib(baseline["VmRSS"]),
            "open": {},
        }
        for target in steps:
            cpu_before, started, opened = servers.cpu_seconds(worker_pid), time.monotonic(), target - len(project.ids)
            await project.open_more(opened)
            await scenario.read_model_caught_up(stack)
            cpu = servers.cpu_seconds(worker_pid) - cpu_before
            rss = await _idle_rss(worker_pid, ctx.smoke)
            cached = min(target, result["max_cached_workflows"])
            result["open"][str(target)] = {
                "cached": cached,
                "rss_mib": _mib(rss["VmRSS"]),
                "peak_rss_mib": _mib(rss["VmHWM"]),
                "kib_per_cached_workflow": round((rss["VmRSS"] - baseline["VmRSS"]) / 1024 / max(cached - 5, 1), 1),
                "worker_cpu_ms_per_project": round(cpu * 1000 / max(opened, 1), 1),
                "wall_s": round(time.monotonic() - started, 1),
            }
        per_workflow_kib = result["open"][str(steps[0])]["kib_per_cached_workflow"]
        largest = result["open"][str(steps[-1])]
        result["rss_mib"] = largest["rss_mib"]
        result["under_1_gib"] = largest["rss_mib"] * 1024**2 < GIB
        result["estimate_rss_mib_if_all_cached"] = round(
            result["baseline_rss_mib"] + per_workflow_kib * steps[-1] / 1024, 1
        )
        result["eviction"] = await _eviction_cost(project, evictions, result["max_cached_workflows"])
        return result


class _ProjectMaker:
    """Opens projects the way the API does and gives each its first Update (so it is cached)."""

    def __init__(self, stack: Stack, partner_id: str) -> None:
        template = TemplateCatalog.load_shipped().latest(scenario.TEMPLATE)
        assert template is not None
        self.stack, self.partner_id, self.template = stack, partner_id, template
        self.ids: list[str] = []

    async def open_more(self, count: int) -> None:
        async def one(_: int) -> None:
            project_id = uuid.uuid4().hex
            start = ProjectInput(
                project_id=project_id,
                template=self.template,
                title="Voices of the River",
                lead=Person(name="Project Lead", email="lead@museum.example"),
                partner_ids=(self.partner_id,),
                follow_up_schedule=(),
                created_at=datetime.now(UTC),
            )
            await start_project(self.stack.client, start, task_queue=self.stack.task_queue)
            submission = MilestoneSubmission(
                milestone_key="proposal",
                actor=Actor(party=Party.PARTNER, partner_id=self.partner_id, label="portal"),
                summary="Our proposal.",
            )
            await project_handle(self.stack.client, project_id).execute_update(
                ProjectWorkflow.submit_milestone, submission
            )
            self.ids.append(project_id)

        await scenario.in_parallel(count, one, concurrency=LOAD_CONCURRENCY)


async def _eviction_cost(project: _ProjectMaker, samples: int, cache: int) -> dict[str, Any]:
    """Pause projects evicted long ago vs projects still cached, alternately; p50/p99 of each."""
    evicted = project.ids[:samples] if len(project.ids) > cache + samples else []
    cached = project.ids[-samples:]
    pause = StaffAction(actor=Actor(party=Party.STAFF, label="staff"), reason="benchmark")

    async def update(project_id: str) -> float:
        started = time.perf_counter()
        await project_handle(project.stack.client, project_id).execute_update(ProjectWorkflow.pause, pause)
        return time.perf_counter() - started

    cached_s: list[float] = []
    evicted_s: list[float] = []
    for i in range(samples):
        cached_s.append(await update(cached[i]))
        if evicted:
            evicted_s.append(await update(evicted[i]))
        await asyncio.sleep(0.05)
    result: dict[str, Any] = {"cached": stats.summary(cached_s)}
    if evicted_s:
        result["evicted"] = stats.summary(evicted_s)
        result["ratio"] = stats.ratios(result["evicted"], result["cached"])
    return result


async def _idle_rss(pid: int, smoke: bool) -> dict[str, int]:
    """RSS after the worker has been idle a moment (the last of three readings, 0.5 s apart)."""
    reading: dict[str, int] = {}
    for _ in range(1 if smoke else 3):
        await asyncio.sleep(0.1 if smoke else 0.5)
        reading = servers.rss_bytes(pid)
    return reading


def _default_cache() -> int:
    from worker import WorkerSettings

    return WorkerSettings().max_cached_workflows


def _mib(value: int) -> float:
    return round(value / 1024**2, 1)
