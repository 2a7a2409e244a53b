"""Webhooks delivered through a receiver outage, under time skipping (issue 16, "Events out").

Real parts only: ProjectWorkflow and WebhookDeliveryWorkflow with the real activities, a real database
and a real HTTP receiver on loopback (tests.webhook_receiver) that answers 503 for the first hour of
workflow time. Temporal retries with backoff; when the receiver is back every event arrives, in order per
project, signed (verified with the `standardwebhooks` package), with no personal data for a subscriber
not allowed it; the delivery log shows the failed attempts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook as Verifier
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from domain.events import EventType
from domain.lifecycle import Party
from domain.webhooks import WebhookDeliveryStart
from store.tables import Event, Partner, WebhookAttempt, WebhookDelivery
from store.webhooks import writes
from tests.webhook_receiver import receiver
from tests.workflows.driving import review, submit, wait_for
from tests.workflows.support import PARTNER_ID, start_project, terminate_started
from worker import build_worker
from workflows.naming import webhook_workflow_id
from workflows.webhooks import WebhookDeliveryWorkflow

Sessions = async_sessionmaker[AsyncSession]
SECRET_PLAIN = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_PERSONAL = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
#: Personal data the project holds (tests.workflows.support's lead, the partner, a reviewer's note).
PERSONAL = ("Lead Curator", "lead@museum.example", "Community Archive", "archive@partner.example", "Ada Lovelace")


async def subscribe(
    client: Client,
    sessionmaker: Sessions,
    task_queue: str,
    url: str,
    secret: str,
    types: list[str],
    *,
    personal: bool,
    now: datetime,
) -> tuple[str, WorkflowHandle[WebhookDeliveryWorkflow, None]]:
    """What POST /api/v1/webhooks does (tests/api/test_webhooks.py drives the route itself)."""
    webhook_id = f"wh{len(url)}{secret[6:14].replace('+', 'x').replace('/', 'y')}"
    async with sessionmaker() as session, session.begin():
        await writes.add_webhook(
            session,
            webhook_id=webhook_id,
            url=url,
            event_types=types,
            secret=secret,
            seal=ActivitySettings().link_seal,
            created_by="admin-key",
            now=now,
            personal_data_allowed_by="admin-key" if personal else None,
            personal_data_reason="the partner's CRM records who reviewed" if personal else None,
        )
    handle = await client.start_workflow(
        WebhookDeliveryWorkflow.run,
        WebhookDeliveryStart(webhook_id=webhook_id),
        id=webhook_workflow_id(webhook_id),
        task_queue=task_queue,
    )
    return webhook_id, handle


async def _pending(sessionmaker: Sessions) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).where(WebhookDelivery.status == "pending")) or 0)


async def test_a_receiver_down_for_an_hour_gets_every_event_in_order_signed_and_without_personal_data(
    time_skipping_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions
) -> None:
    env = time_skipping_env
    start = await env.get_current_time()
    async with sessionmaker() as session, session.begin():
        session.add(
            Partner(
                id=PARTNER_ID,
                name="Community Archive",
                contact_name="Archivist",
                contact_email="archive@partner.example",
                created_at=start,
            )
        )
    outage_ends = start + timedelta(hours=1)

    async def answer() -> int:
        return 503 if await env.get_current_time() < outage_ends else 200

    worker = build_worker(
        env.client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(SMTP_URL=None),
        strict_sandbox=True,
    )
    async with receiver() as rx, worker:
        rx.answer = answer
        try:
            plain_id, plain = await subscribe(
                env.client,
                sessionmaker,
                task_queue,
                f"{rx.url}/plain",
                SECRET_PLAIN,
                [t.value for t in EventType],
                personal=False,
                now=start,
            )
            personal_id, personal = await subscribe(
                env.client,
                sessionmaker,
                task_queue,
                f"{rx.url}/personal",
                SECRET_PERSONAL,
                [EventType.MILESTONE_ACCEPTED.value],
                personal=True,
                now=start,
            )
            first = await start_project(env.client, task_queue, "co-curation", start)
            second = await start_project(env.client, task_queue, "co-curation", start)
            for handle in (first, second):
                await submit(handle, "proposal", Party.PARTNER, summary="Ada Lovelace's letters, with her family.")
                await review(handle, "proposal", note="Agreed with Ada Lovelace on the phone.")
                await wait_for(handle, lambda s: s.milestone("proposal").status.value == "accepted")
            # 👉 Skip time in steps: the receiver refuses for the first hour, Temporal retries with backoff.
            for _ in range(40):
                await env.sleep(timedelta(minutes=10))
                if await env.get_current_time() > outage_ends and await _pending(sessionmaker) == 0:
                    break
            assert await _pending(sessionmaker) == 0, "every delivery arrived once the receiver was back"
            ended_at = await env.get_current_time()
        finally:
            await terminate_started()
            for delivery in (plain, personal):
                await delivery.terminate("test finished")

    async with sessionmaker() as session:
        project_ids = (first.id.removeprefix("project/"), second.id.removeprefix("project/"))
        events = (
            await session.execute(
                select(Event.project_id, Event.seq, Event.type).where(Event.project_id.in_(project_ids))
            )
        ).all()
        deliveries = (await session.scalars(select(WebhookDelivery))).all()
        attempts = (await session.scalars(select(WebhookAttempt))).all()

    # Every event of both projects reached the all-types subscriber, in order per project.
    plain_bodies = [json.loads(r.body) for r in rx.accepted("/plain")]
    by_project: dict[str, list[int]] = defaultdict(list)
    for body in plain_bodies:
        by_project[body["data"]["project_id"]].append(body["data"]["seq"])
    expected: dict[str, list[int]] = defaultdict(list)
    for project_id, seq, _ in sorted(events):
        expected[project_id].append(seq)
    assert dict(by_project) == dict(expected)
    assert all(len(seqs) >= 4 for seqs in expected.values())
    # The personal subscriber got the acceptances only, with the reviewer's note.
    personal_bodies = [json.loads(r.body) for r in rx.accepted("/personal")]
    accepted = sorted((p, s) for p, s, t in events if t == EventType.MILESTONE_ACCEPTED.value)
    assert sorted((b["data"]["project_id"], b["data"]["seq"]) for b in personal_bodies) == accepted
    assert all(b["data"]["detail"]["note"] == "Agreed with Ada Lovelace on the phone." for b in personal_bodies)
    # Signed the Standard Webhooks way; a repeated id carries the same body.
    for path, secret in (("/plain", SECRET_PLAIN), ("/personal", SECRET_PERSONAL)):
        verifier = Verifier(secret)
        for r in rx.requests:
            if r.path == path:
                verifier.verify(r.body, r.headers)
    bodies_by_id: dict[str, set[bytes]] = defaultdict(set)
    for r in rx.requests:
        bodies_by_id[r.headers["webhook-id"]].add(r.body)
    assert all(len(b) == 1 for b in bodies_by_id.values())
    # No personal data in any body of the subscriber not allowed it.
    for r in rx.requests:
        if r.path == "/plain":
            text = r.body.decode()
            assert not any(p in text for p in PERSONAL), text
            assert "actor" not in json.loads(text)["data"]
    # The receiver really was down for an hour and the log shows it: 503s before, the 200 after.
    refused = [a for a in attempts if a.status_code == 503]
    assert len(refused) >= 5
    assert all(d.status == "delivered" and d.attempts >= 1 for d in deliveries)
    assert {d.webhook_id for d in deliveries} == {plain_id, personal_id}
    assert ended_at - start >= timedelta(hours=1)


async def test_an_idle_webhook_continues_as_new_and_still_delivers_afterwards(
    time_skipping_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions
) -> None:
    env = time_skipping_env
    start = await env.get_current_time()
    async with sessionmaker() as session, session.begin():
        session.add(
            Partner(
                id=PARTNER_ID, name="Community Archive", contact_name="A", contact_email="a@b.example", created_at=start
            )
        )
    worker = build_worker(
        env.client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(SMTP_URL=None),
        strict_sandbox=True,
    )
    async with receiver() as rx, worker:
        _, delivery = await subscribe(
            env.client,
            sessionmaker,
            task_queue,
            f"{rx.url}/idle",
            SECRET_PLAIN,
            [EventType.PROJECT_CREATED.value],
            personal=False,
            now=start,
        )
        try:
            first_run = (await delivery.describe()).run_id
            await env.sleep(timedelta(hours=2))  # 👉 ~120 idle loops of one minute: past LOOPS_PER_RUN (100)
            later_run = (await delivery.describe()).run_id
            project = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
            for _ in range(20):
                await env.sleep(timedelta(minutes=1))
                if rx.accepted("/idle"):
                    break
        finally:
            await terminate_started()
            await env.client.get_workflow_handle(delivery.id).terminate("test finished")

    assert later_run != first_run, "the run continued as new"
    [received] = rx.accepted("/idle")
    assert json.loads(received.body)["data"] == {
        "project_id": project.id.removeprefix("project/"),
        "seq": 1,
        "stage": "proposal",
        "milestone_key": None,
        "detail": {},
    }
