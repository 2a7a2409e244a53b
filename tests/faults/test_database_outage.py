"""The records database goes away while events flow: activities retry, the read model catches up, the log is whole.

A real worker process reaches PostgreSQL through a loopback proxy that the test cuts three times
while staff and partners keep sending input to ten projects (Temporal accepts it all the while:
the database is only where it is *recorded*). After the last restore every project's event log
must be exactly 1..event_seq of its workflow: no gap, no duplicate.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.state import ProjectState
from domain.submissions import Decision, MilestoneSubmission, ReviewDecision
from store.settings import StoreSettings
from tests.faults.processes import WorkerProcess
from tests.faults.proxy import CuttableProxy
from tests.faults.support import audit_event_log, eventually, summary
from tests.workflows.support import PARTNER, STAFF, start_project, terminate_started
from workflows.project import ProjectWorkflow

PROJECTS = 10
OUTAGES = 3
UP_S, DOWN_S = 1.5, 1.5
SUBMIT = MilestoneSubmission(milestone_key="proposal", actor=PARTNER, summary="Our proposal")
RETURN = ReviewDecision(milestone_key="proposal", decision=Decision.RETURN, note="More detail", actor=STAFF)


@pytest.mark.parametrize("db_target", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_activities_retry_through_database_outages_and_the_event_log_has_no_gaps_or_duplicates(
    db_target: str,
    temporal_dev_env: WorkflowEnvironment,
    store_settings: StoreSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    client = temporal_dev_env.client
    task_queue = f"faults-{uuid.uuid4().hex}"
    postgres = make_url(store_settings.database_url)
    proxy = CuttableProxy(postgres.host or "127.0.0.1", postgres.port or 5432)
    await proxy.start()
    through_proxy = store_settings.model_copy(
        update={"database_url": postgres.set(port=proxy.port).render_as_string(hide_password=False)}
    )
    worker = WorkerProcess(
        temporal_address=client.service_client.config.target_host,
        store=through_proxy,
        task_queue=task_queue,
        log_path=tmp_path / "worker.log",
    )
    await worker.start()
    try:
        handles = [await start_project(client, task_queue, "co-curation", datetime.now(UTC)) for _ in range(PROJECTS)]
        # Recorded once with the database up: the worker's pool now holds open connections to cut.
        await eventually(
            lambda: audit_event_log(sessionmaker, {h.id.removeprefix("project/"): 2 for h in handles}),
            lambda a: a.clean,
        )
        done = asyncio.Event()

        async def partner_and_staff(handle: WorkflowHandle[ProjectWorkflow, ProjectState]) -> int:
            """Submit, return, submit, ... until the outages are over: input that keeps coming."""
            sent = 0
            while not done.is_set():
                await handle.execute_update(ProjectWorkflow.submit_milestone, SUBMIT)
                await handle.execute_update(ProjectWorkflow.review_milestone, RETURN)
                sent += 2
                await asyncio.sleep(0.5)
            return sent

        async def outages() -> None:
            for _ in range(OUTAGES):
                await asyncio.sleep(UP_S)
                proxy.cut()
                await asyncio.sleep(DOWN_S)
                proxy.restore()
            done.set()

        accepted, _ = await asyncio.gather(asyncio.gather(*(partner_and_staff(h) for h in handles)), outages())
        states = [await h.query(ProjectWorkflow.status) for h in handles]
        expected = {s.project_id: s.event_seq for s in states}
        audit = await eventually(lambda: audit_event_log(sessionmaker, expected), lambda a: a.clean, within=90)
    finally:
        await terminate_started()
        await worker.stop()
        await proxy.close()

    retried = (tmp_path / "worker.log").read_text().count("Completing activity as failed")
    assert proxy.severed + proxy.refused > 0, "the outages really cut the worker off"
    assert audit.clean, audit
    summary(
        "database_outage",
        faults=proxy.outages,
        connections_severed=proxy.severed,
        connections_refused=proxy.refused,
        activity_attempts_failed=retried,
        updates_accepted=sum(accepted),
        events=sum(expected.values()),
        lost=audit.missing,
        doubled=audit.doubled,
    )
