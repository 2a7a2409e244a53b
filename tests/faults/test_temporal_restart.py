"""Stopping the Temporal server mid-lifecycle: the API says 503 + Retry-After, and on restart nothing is lost.

Real processes throughout: `temporal server start-dev` on a SQLite file, `python worker.py`, and the
API under uvicorn, talked to over HTTP. The project runs a test-only template whose proposal
reminder is due seconds after the start, so a durable timer is pending while the server is down.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.temporal_calls import start_project
from domain.events import EventType
from domain.lifecycle import Stage
from domain.state import MilestoneStatus, ProjectInput
from domain.submissions import Person
from store.settings import StoreSettings
from store.tables import Event
from tests.faults.processes import ApiProcess, DevServerProcess, WorkerProcess
from tests.faults.support import (
    ADMIN_KEY,
    audit_event_log,
    eventually,
    partner_with_key,
    seconds_template,
    settled,
    summary,
)
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

REMINDER_AFTER_S = 10


async def event_types(sessionmaker: async_sessionmaker[AsyncSession], project_id: str) -> list[str]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Event.type).where(Event.project_id == project_id).order_by(Event.seq)))


@pytest.mark.parametrize("db_target", ["sqlite"])  # the embedded default: every file on one machine
async def test_a_restarted_temporal_server_keeps_accepted_input_and_pending_timers(
    db_target: str,
    store_settings: StoreSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    task_queue = f"faults-{uuid.uuid4().hex}"
    server = DevServerProcess(db_path=tmp_path / "temporal.db", log_path=tmp_path / "temporal.log")
    await server.start()
    worker = WorkerProcess(
        temporal_address=server.address, store=store_settings, task_queue=task_queue, log_path=tmp_path / "worker.log"
    )
    api = ApiProcess(
        temporal_address=server.address,
        store=store_settings,
        task_queue=task_queue,
        admin_key=ADMIN_KEY,
        log_path=tmp_path / "api.log",
    )
    try:
        await asyncio.gather(worker.start(), api.start())
        client = await server.client()
        partner_id, partner_key = await partner_with_key(sessionmaker, 1)
        start = ProjectInput(
            project_id=uuid.uuid4().hex,
            template=seconds_template(remind_after=REMINDER_AFTER_S, due_after=3600),
            title="Harbour voices",
            lead=Person(name="Lead Curator", email="lead@museum.example"),
            partner_ids=(partner_id,),
            follow_up_schedule=(),
            created_at=datetime.now(UTC),
        )
        await start_project(client, start, task_queue=task_queue)
        project = f"/api/v1/projects/{start.project_id}"
        staff = {"Authorization": f"Bearer {ADMIN_KEY}"}
        partner = {"Authorization": f"Bearer {partner_key}"}
        async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
            accepted = await http.post(
                f"{project}/milestones/proposal_review_notes/submissions",
                json={"summary": "Fits our plans."},
                headers=staff,
            )
            assert accepted.status_code == 201, accepted.text
            before = await eventually(lambda: event_types(sessionmaker, start.project_id), lambda t: len(t) == 3)
            assert EventType.MILESTONE_REMINDER.value not in before, "the reminder is still pending"
            handle = client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(start.project_id))
            await settled(handle)  # asleep on the reminder's durable timer

            # -- the outage: an operator stops the server (SIGTERM) ------------------------------
            await server.stop()
            down_at = time.monotonic()
            submission, detail = await asyncio.gather(
                http.post(
                    f"{project}/milestones/proposal/submissions", json={"summary": "Our proposal"}, headers=partner
                ),
                http.get(project, headers=staff),
            )
            answered_in = time.monotonic() - down_at
            for refused in (submission, detail):
                assert refused.status_code == 503, refused.text
                assert refused.headers["Retry-After"].isdigit()

            # -- the same database file, the same port -----------------------------------------
            await server.start()
            after = await eventually(
                lambda: event_types(sessionmaker, start.project_id),
                lambda t: EventType.MILESTONE_REMINDER.value in t,
                within=60,
            )
            assert after[:3] == before, "everything accepted before the outage is still there, in order"
            state = (await http.get(project, headers=staff)).json()
            assert state["stage"] == Stage.PROPOSAL.value
            new = await http.post(
                f"{project}/milestones/proposal/submissions", json={"summary": "Our proposal"}, headers=partner
            )
            assert new.status_code == 201, new.text
        final = await handle.query(ProjectWorkflow.status)
        assert final.milestone("proposal_review_notes").status is MilestoneStatus.SUBMITTED  # type: ignore[union-attr]
        assert final.milestone("proposal").status is MilestoneStatus.SUBMITTED  # type: ignore[union-attr]
        audit = await eventually(
            lambda: audit_event_log(sessionmaker, {start.project_id: final.event_seq}), lambda a: a.clean
        )
        await handle.terminate("test finished")
    finally:
        await api.stop()
        await worker.stop()
        await server.stop()

    summary(
        "temporal_restart",
        faults=1,
        refused_while_down=2,
        refused_in_s=f"{answered_in:.1f}",
        accepted_before=3,
        lost=audit.missing,
        doubled=audit.doubled,
        timer_fired=True,
    )
