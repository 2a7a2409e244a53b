"""ProjectWorkflow with the real activities, a real database and a real SMTP server.

The stand-in tests prove the workflow's logic; this proves the wiring: events land in the
append-only log once, the read model follows the workflow, and e-mails reach SMTP once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from domain.lifecycle import Party, Stage
from domain.submissions import DisplayPlan
from store.tables import Event, Milestone, OutboxEmail, Partner, Project
from tests.smtp_fixtures import SmtpServer
from tests.workflows.driving import complete_stage, review, status, submit, wait_for, wait_for_stage
from tests.workflows.support import CATALOG, PARTNER_ID, STAFF, start_project, terminate_started
from worker import build_worker
from workflows.project import ProjectWorkflow

Sessions = async_sessionmaker[AsyncSession]
T = TypeVar("T")


async def poll(check: Callable[[], Awaitable[T | None]], attempts: int = 100) -> T:
    """The read model follows the workflow through an activity: wait for it, boundedly."""
    for _ in range(attempts):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("the read model never caught up")


async def test_a_project_records_events_read_model_and_emails_through_the_real_activities(
    time_skipping_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    env = time_skipping_env
    async with sessionmaker() as session, session.begin():
        session.add(
            Partner(
                id=PARTNER_ID,
                name="Community Archive",
                contact_name="Archivist",
                contact_email="archive@partner.example",
                created_at=await env.get_current_time(),
            )
        )
    settings = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL="http://engage.test")
    worker = build_worker(
        env.client, task_queue=task_queue, sessionmaker=sessionmaker, activity_settings=settings, strict_sandbox=True
    )
    async with worker:
        try:
            handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
            await env.sleep(timedelta(days=14, hours=1))  # the P7D reminder before the proposal's due date
            await submit(handle, "proposal", Party.PARTNER)
            await review(handle, "proposal")
            state = await wait_for_stage(handle, Stage.PARTNERSHIP)

            async def caught_up() -> Project | None:
                async with sessionmaker() as session:
                    row = await session.get(Project, state.project_id)
                    return row if row is not None and row.event_seq == state.event_seq else None

            project = await poll(caught_up)
            await poll(lambda: _count_sent(sessionmaker, state.project_id))
        finally:
            await terminate_started()

    async with sessionmaker() as session:
        events = (
            await session.scalars(select(Event).where(Event.project_id == state.project_id).order_by(Event.seq))
        ).all()
        milestones = {
            m.key: m
            for m in (await session.scalars(select(Milestone).where(Milestone.project_id == state.project_id))).all()
        }
        outbox = (await session.scalars(select(OutboxEmail).where(OutboxEmail.project_id == state.project_id))).all()

    assert project.stage == "partnership"
    assert [e.seq for e in events] == list(range(1, state.event_seq + 1))
    assert [e.type for e in events][:3] == ["project_created", "stage_opened", "milestone_reminder"]
    assert milestones["proposal"].status == "accepted"
    assert milestones["partnership_agreement"].due_at is not None
    reminder = next(o for o in outbox if o.event_id == f"{state.project_id}:3")
    assert reminder.to_address == "archive@partner.example" and reminder.status == "sent"
    delivered = [m for m in smtp_server.collector.messages if m["Subject"] == reminder.subject]
    assert len(delivered) == 1, "the reminder reached SMTP exactly once"
    assert "http://engage.test/projects/" in delivered[0].get_payload()


async def _count_sent(sessionmaker: Sessions, project_id: str) -> bool:
    async with sessionmaker() as session:
        statuses = (await session.scalars(select(OutboxEmail.status).where(OutboxEmail.project_id == project_id))).all()
    return bool(statuses) and all(s == "sent" for s in statuses)


async def test_a_displays_opening_writes_display_opened_emails_to_partners_and_lead(
    time_skipping_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions
) -> None:
    """The template's `display_opened: [partners, lead]` is who hears of an opening (issue 11: the
    timer's empty audience used to override it, so `display_opened.txt` was never used)."""
    env = time_skipping_env
    async with sessionmaker() as session, session.begin():
        session.add(
            Partner(
                id=PARTNER_ID,
                name="Community Archive",
                contact_name="Archivist",
                contact_email="archive@partner.example",
                created_at=await env.get_current_time(),
            )
        )
    template = CATALOG.latest("co-curation")
    assert template is not None
    worker = build_worker(
        env.client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(SMTP_URL=None),
        strict_sandbox=True,
    )
    async with worker:
        try:
            handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
            while (await status(handle)).stage is not Stage.DISPLAY:
                await complete_stage(env, handle, template)
            now = await env.get_current_time()
            plan = DisplayPlan(
                title="Voices",
                location="Gallery 3",
                opens_at=now + timedelta(days=1),
                closes_at=now + timedelta(days=30),
                actor=STAFF,
            )
            await handle.execute_update(ProjectWorkflow.set_display, plan)
            await env.sleep(timedelta(days=2))
            state = await wait_for(handle, lambda s: s.display is not None and s.display.opened)
            project_id = state.project_id

            async def opened_emails() -> list[OutboxEmail]:
                async with sessionmaker() as session:
                    opened = await session.scalar(
                        select(Event).where(Event.project_id == project_id, Event.type == "display_opened")
                    )
                    if opened is None:
                        return []
                    found = await session.scalars(
                        select(OutboxEmail).where(OutboxEmail.event_id == f"{project_id}:{opened.seq}")
                    )
                    return list(found.all())

            emails = await poll(opened_emails)
        finally:
            await terminate_started()

    assert sorted((e.audience, e.to_address) for e in emails) == [
        ("lead", "lead@museum.example"),
        ("partners", "archive@partner.example"),
    ]
    assert all("Voices" in e.subject or "Gallery 3" in e.body for e in emails), [e.subject for e in emails]
