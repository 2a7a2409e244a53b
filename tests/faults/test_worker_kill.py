"""Killing the worker mid-lifecycle and starting a new one loses nothing and doubles nothing.

Nothing lost or doubled covers the e-mails too: every e-mail the template makes due for a recorded
event is in the outbox exactly once, keyed by its dedupe key (event id + address hash).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import Audience, Stage
from domain.submissions import Decision, MilestoneSubmission, ReviewDecision
from store.projects.writes_mail import dedupe_key
from store.settings import StoreSettings
from store.tables import Event, Partner, Project
from tests.faults.processes import WorkerProcess
from tests.faults.support import outbox_keys, summary
from tests.workflows.support import CATALOG, PARTNER, PARTNER_ID, STAFF, start_project, terminate_started
from workflows.project import ProjectWorkflow

PARTNER_EMAIL = "archive@partner.example"
LEAD_EMAIL = "lead@museum.example"  # tests.workflows.support.project_input's lead
PROPOSAL = MilestoneSubmission(milestone_key="proposal", actor=PARTNER, summary="Our proposal")
ACCEPT = ReviewDecision(milestone_key="proposal", decision=Decision.ACCEPT, actor=STAFF)


async def read_model(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[dict[str, int], dict[str, int]]:
    """(project id → read-model event_seq, project id → event rows)."""
    async with sessionmaker() as session:
        seqs = dict((await session.execute(select(Project.id, Project.event_seq))).all())
        counts = await session.execute(select(Event.project_id, func.count()).group_by(Event.project_id))
        return {p: n for p, n in seqs.items()}, {p: n for p, n in counts.all()}


async def due_emails(sessionmaker: async_sessionmaker[AsyncSession], project_ids: list[str]) -> list[str]:
    """The dedupe key of every e-mail the template's `notify` makes due for the recorded events."""
    template = CATALOG.latest("co-curation")
    assert template is not None
    addresses = {Audience.PARTNERS: PARTNER_EMAIL, Audience.LEAD: LEAD_EMAIL}
    async with sessionmaker() as session:
        events = (
            await session.execute(
                select(Event.project_id, Event.seq, Event.type).where(Event.project_id.in_(project_ids))
            )
        ).all()
    return [
        dedupe_key(f"{project_id}:{seq}", address)
        for project_id, seq, event_type in events
        for address in dict.fromkeys(addresses[a] for a in template.notify.get(event_type, ()))
    ]


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

    async with sessionmaker.begin() as session:  # the partner exists, so partner e-mails are due too
        session.add(
            Partner(
                id=PARTNER_ID,
                name="Community Archive",
                contact_name="Archivist",
                contact_email=PARTNER_EMAIL,
                created_at=datetime.now(UTC),
            )
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
    due = await due_emails(sessionmaker, list(expected))
    queued = await outbox_keys(sessionmaker, expected)
    assert len(due) == len(set(due)) > 0
    assert sorted(queued) == sorted(due), "every due e-mail is in the outbox exactly once"
    summary(
        "worker_kill",
        db="sqlite" if store_settings.is_sqlite else "postgres",
        faults=1,
        projects=len(expected),
        updates_accepted=2 * len(handles),
        events=sum(expected.values()),
        events_lost=sum(max(n - counts.get(p, 0), 0) for p, n in expected.items()),
        events_doubled=sum(max(counts.get(p, 0) - n, 0) for p, n in expected.items()),
        emails_due=len(due),
        emails_lost=len(set(due) - set(queued)),
        emails_doubled=len(queued) - len(set(queued)) + len(set(queued) - set(due)),
    )
