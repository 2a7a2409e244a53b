"""A flood of partners over real HTTP: every 2xx is recorded exactly once, and nothing else is.

200 partner organisations, each with its own key and its own project, hit the API (uvicorn, a
separate process) at once: each sends its proposal, sends it again (one of the two must be
refused 409: the update validator serialises them), and tries a neighbour's project (404). The
read model must then hold exactly one submission per project and as many as there were 2xx
answers. A 503 (an overloaded moment) is allowed, and must have applied nothing. Throughput and
latency are printed, not asserted (2-core CI machines vary).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.temporal_calls import start_project
from domain.events import EventType
from domain.state import ProjectInput
from domain.submissions import Person
from domain.templates import TemplateCatalog
from store.settings import StoreSettings
from store.tables import Event, Submission
from tests.faults.processes import ApiProcess, WorkerProcess
from tests.faults.support import ADMIN_KEY, audit_event_log, eventually, partner_with_key, summary
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

PARTNERS = 200
CONCURRENCY = 50  # in-flight requests; 2 cores serve the API, the worker and Temporal


async def recorded_submissions(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, Counter[str]]:
    """(submission rows in the read model, submitted events per project in the event log)."""
    async with sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(Submission))
        events = (
            await session.execute(
                select(Event.project_id, func.count())
                .where(Event.type == EventType.MILESTONE_SUBMITTED.value)
                .group_by(Event.project_id)
            )
        ).all()
    return int(rows or 0), Counter({p: n for p, n in events})


# PostgreSQL, the production records database. On SQLite the same flood passes too, but its single
# writer makes the read model trail the flood by ~12 s (record activities retry "database is
# locked"), which is more than this suite's time budget allows for one test.
@pytest.mark.parametrize("db_target", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_two_hundred_partners_at_once_every_2xx_is_recorded_once_and_nothing_else(
    db_target: str,
    temporal_dev_env: WorkflowEnvironment,
    store_settings: StoreSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    client = temporal_dev_env.client
    address = client.service_client.config.target_host
    task_queue = f"faults-{uuid.uuid4().hex}"
    worker = WorkerProcess(
        temporal_address=address, store=store_settings, task_queue=task_queue, log_path=tmp_path / "worker.log"
    )
    api = ApiProcess(
        temporal_address=address,
        store=store_settings,
        task_queue=task_queue,
        admin_key=ADMIN_KEY,
        log_path=tmp_path / "api.log",
    )
    partners = [await partner_with_key(sessionmaker, n) for n in range(PARTNERS)]
    gate = asyncio.Semaphore(CONCURRENCY)
    await asyncio.gather(worker.start(), api.start())
    project_ids: list[str] = []
    try:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=api.base_url, timeout=60, limits=limits) as http:
            # The projects are set up through Temporal directly (the API's own start path, minus HTTP):
            # the flood under test is the submissions.
            catalog = TemplateCatalog.load_shipped()
            template = catalog.latest("co-curation")
            assert template is not None

            async def create(partner_id: str) -> str:
                start = ProjectInput(
                    project_id=uuid.uuid4().hex,
                    template=template,
                    title="Our neighbourhood",
                    lead=Person(name="Lead Curator", email="lead@museum.example"),
                    partner_ids=(partner_id,),
                    follow_up_schedule=(),
                    created_at=datetime.now(UTC),
                )
                async with gate:
                    await start_project(client, start, task_queue=task_queue)
                return start.project_id

            project_ids = list(await asyncio.gather(*(create(p) for p, _ in partners)))
            # Every project created and recorded (project_created, stage_opened) before the flood.
            await eventually(
                lambda: audit_event_log(sessionmaker, dict.fromkeys(project_ids, 2)), lambda a: a.clean, within=90
            )

            async def submit(key: str, project_id: str) -> tuple[str, int, float]:
                async with gate:
                    started = time.perf_counter()
                    response = await http.post(
                        f"/api/v1/projects/{project_id}/milestones/proposal/submissions",
                        json={"summary": "What we would like to make together."},
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    return project_id, response.status_code, time.perf_counter() - started

            requests = []
            for n, (_, key) in enumerate(partners):
                own, neighbour = project_ids[n], project_ids[(n + 1) % PARTNERS]
                requests += [(key, own), (key, own), (key, neighbour)]
            random.Random(5).shuffle(requests)
            flood_started = time.perf_counter()
            answers = await asyncio.gather(*(submit(key, project) for key, project in requests))
            flood_seconds = time.perf_counter() - flood_started

        caught_up_from = time.perf_counter()
        statuses = Counter(status for _, status, _ in answers)
        ok_per_project = Counter(project for project, status, _ in answers if 200 <= status < 300)
        ok = sum(ok_per_project.values())
        rows, per_project = await eventually(
            lambda: recorded_submissions(sessionmaker), lambda r: r[0] >= ok and sum(r[1].values()) >= ok, within=90
        )
        expected = {
            p: (
                await client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(p)).query(
                    ProjectWorkflow.status
                )
            ).event_seq
            for p in project_ids
        }
        audit = await eventually(lambda: audit_event_log(sessionmaker, expected), lambda a: a.clean, within=60)
        rows, per_project = await recorded_submissions(sessionmaker)
        catch_up_seconds = time.perf_counter() - caught_up_from
    finally:
        await asyncio.gather(
            *(client.get_workflow_handle(project_workflow_id(p)).terminate("test finished") for p in project_ids)
        )
        await api.stop()
        await worker.stop()

    latencies = sorted(seconds for _, _, seconds in answers)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    lost = sum(max(ok_per_project[p] - per_project[p], 0) for p in project_ids) + audit.missing
    doubled = sum(max(per_project[p] - ok_per_project[p], 0) for p in project_ids) + audit.doubled
    # 201: a proposal accepted; 409: its copy, refused out of turn; 404: the neighbour's project, not
    # theirs to see; 503: an overloaded moment answered "retry" (nothing applied, as checked below).
    assert set(statuses) <= {201, 404, 409, 503}, statuses
    assert max(ok_per_project.values()) == 1, "never two accepted proposals for one project"
    assert (lost, doubled) == (0, 0), "each 2xx recorded once, and nothing without a 2xx"
    assert rows == ok, "as many submissions in the read model as 2xx answers"
    assert audit.clean, audit
    summary(
        "flood",
        requests=len(answers),
        concurrency=CONCURRENCY,
        answered_2xx=ok,
        answered=dict(sorted(statuses.items())),
        recorded=rows,
        lost=lost,
        doubled=doubled,
        throughput_rps=f"{len(answers) / flood_seconds:.0f}",
        p50_ms=f"{statistics.median(latencies) * 1000:.0f}",
        p99_ms=f"{p99 * 1000:.0f}",
        read_model_caught_up_s=f"{catch_up_seconds:.1f}",
    )
