"""Killing the worker mid-lifecycle and starting a new one loses nothing and doubles nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import Stage
from domain.submissions import Decision, MilestoneSubmission, ReviewDecision
from store.settings import StoreSettings
from store.tables import Event, Project
from tests.faults.processes import WorkerProcess
from tests.workflows.support import PARTNER, STAFF, start_project, terminate_started
from workflows.project import ProjectWorkflow

PROPOSAL = MilestoneSubmission(milestone_key="proposal", actor=PARTNER, summary="Our proposal")
ACCEPT = ReviewDecision(milestone_key="proposal", decision=Decision.ACCEPT, actor=STAFF)


async def read_model(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[dict[str, int], dict[str, int]]:
    """(project id → read-model event_seq, project id → event rows)."""
    async with sessionmaker() as session:
        seqs = dict((await session.execute(select(Project.id, Project.event_seq))).all())
        counts = await session.execute(select(Event.project_id, func.count()).group_by(Event.project_id))
        return {p: n for p, n in seqs.items()}, {p: n for p, n in counts.all()}


async def test_a_killed_worker_is_replaced_and_every_accepted_submission_is_recorded_once(
    temporal_dev_env: WorkflowEnvironment,
    store_settings: StoreSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    client = temporal_dev_env.client
    task_queue = f"faults-{uuid.uuid4().hex}"

    def worker_process(name: str) -> WorkerProcess:
        return WorkerProcess(
            temporal_address=client.service_client.config.target_host,
            store=store_settings,
            task_queue=task_queue,
            log_path=tmp_path / f"{name}.log",
        )

    first, second = worker_process("first"), worker_process("second")
    await first.start()
    try:
        handles = [await start_project(client, task_queue, "co-curation", datetime.now(UTC)) for _ in range(10)]
        # A burst of accepted input across ten projects; the worker dies with activities in flight.
        await asyncio.gather(*(h.execute_update(ProjectWorkflow.submit_milestone, PROPOSAL) for h in handles))
        await first.kill()
        await second.start()
        await asyncio.gather(*(h.execute_update(ProjectWorkflow.review_milestone, ACCEPT) for h in handles))
        states = [await h.query(ProjectWorkflow.status) for h in handles]
        expected = {s.project_id: s.event_seq for s in states}
        for _ in range(300):
            seqs, counts = await read_model(sessionmaker)
            if all(seqs.get(p) == n and counts.get(p) == n for p, n in expected.items()):
                break
            await asyncio.sleep(0.1)
    finally:
        await terminate_started()
        await first.stop()
        await second.stop()

    assert all(s.stage is Stage.PARTNERSHIP for s in states)
    assert {p: seqs.get(p) for p in expected} == expected, "the read model caught up with every project"
    assert {p: counts.get(p) for p in expected} == expected, "every event recorded exactly once, no gaps"
