"""The webhook writes and activities, each run twice with the same key (issue 16): one delivery per event
and subscription however often a batch is recorded; one successful POST however often a delivery is
retried; the secret stored sealed, never in clear. Real databases (SQLite and PostgreSQL) and a real
receiver on loopback."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.retention import RetentionActivities
from activities.settings import ActivitySettings
from activities.webhooks import WebhookActivities
from domain.events import EventType
from domain.retention import RetentionRequest
from domain.webhooks import DeliveryOutcome, PendingDeliveries, PendingRequest
from store.projects.writes import apply_project_changes
from store.tables import Webhook, WebhookAttempt, WebhookDelivery
from store.webhooks import writes
from tests.activities.builders import T0, ProjectStory, add_partner
from tests.activities.test_record_project_changes import RENDER
from tests.webhook_receiver import receiver

Sessions = async_sessionmaker[AsyncSession]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SETTINGS = ActivitySettings(smtp_url=None)


async def subscribe(sessionmaker: Sessions, url: str, types: list[str], webhook_id: str = "wh1") -> None:
    async with sessionmaker() as session, session.begin():
        await writes.add_webhook(
            session,
            webhook_id=webhook_id,
            url=url,
            event_types=types,
            secret=SECRET,
            seal=SETTINGS.link_seal,
            created_by="admin-key",
            now=T0,
        )


async def record_twice(sessionmaker: Sessions, story: ProjectStory) -> list[set[str]]:
    batch = story.begin()
    woken: list[set[str]] = []
    for _ in range(2):
        queued: set[str] = set()
        async with sessionmaker.begin() as session:
            await apply_project_changes(
                session, batch, RENDER, workflow_id=story.workflow_id, smtp_configured=False, webhooks_queued=queued
            )
        woken.append(queued)
    return woken


async def deliveries(sessionmaker: Sessions) -> list[WebhookDelivery]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.event_seq)))


async def test_a_batch_recorded_twice_queues_one_delivery_per_event_and_subscription(sessionmaker: Sessions) -> None:
    story = ProjectStory([await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")])
    await subscribe(
        sessionmaker, "https://a.example/h", [EventType.PROJECT_CREATED.value, EventType.STAGE_OPENED.value]
    )
    await subscribe(sessionmaker, "https://b.example/h", [EventType.STAGE_OPENED.value], webhook_id="wh2")

    woken = await record_twice(sessionmaker, story)

    rows = await deliveries(sessionmaker)
    assert sorted((d.webhook_id, d.event_seq, d.event_type) for d in rows) == [
        ("wh1", 1, "project_created"),
        ("wh1", 2, "stage_opened"),
        ("wh2", 2, "stage_opened"),
    ]
    assert woken == [{"wh1", "wh2"}, set()], "a retry finds its events written and wakes nobody"
    assert all(d.id.startswith("msg_") and d.status == "pending" for d in rows)
    body = rows[0].payload
    assert body["type"] == "project_created" and body["data"]["project_id"] == story.project_id
    assert "Harbour" not in json.dumps([d.payload for d in rows])


async def test_the_secret_is_stored_sealed_and_opens_only_on_its_own_row(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, "https://a.example/h", [EventType.PROJECT_CREATED.value])
    async with sessionmaker() as session:
        row = await session.get(Webhook, "wh1")
    assert row is not None and SECRET not in row.secret_sealed and SECRET[6:] not in row.secret_sealed
    assert SETTINGS.link_seal.unseal(row.secret_sealed, "wh1") == SECRET
    assert SETTINGS.link_seal.unseal(row.secret_sealed, "wh2") is None


async def test_a_delivery_retried_after_success_is_posted_once(sessionmaker: Sessions) -> None:
    story = ProjectStory([await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")])
    env = ActivityEnvironment()
    activities = WebhookActivities(sessionmaker, SETTINGS)
    async with receiver() as rx:
        await subscribe(sessionmaker, f"{rx.url}/h", [EventType.PROJECT_CREATED.value])
        await record_twice(sessionmaker, story)
        pending: PendingDeliveries = await env.run(activities.pending_deliveries, PendingRequest(webhook_id="wh1"))
        [delivery_id] = pending.delivery_ids
        outcomes: list[DeliveryOutcome] = [await env.run(activities.deliver_webhook, delivery_id) for _ in range(2)]
        after: PendingDeliveries = await env.run(activities.pending_deliveries, PendingRequest(webhook_id="wh1"))
        gone: PendingDeliveries = await env.run(activities.pending_deliveries, PendingRequest(webhook_id="nope"))

    assert outcomes == [DeliveryOutcome(status_code=200), DeliveryOutcome(skipped=True)]
    assert len(rx.requests) == 1 and rx.requests[0].headers["webhook-id"] == delivery_id
    assert after == PendingDeliveries() and gone == PendingDeliveries(gone=True)
    async with sessionmaker() as session:
        attempts: list[Any] = list(await session.scalars(select(WebhookAttempt)))
    assert [(a.number, a.status_code, a.error) for a in attempts] == [(1, 200, None)]


async def test_the_retention_run_deletes_deliveries_delivered_over_30_days_ago_only(sessionmaker: Sessions) -> None:
    story = ProjectStory([await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")])
    await subscribe(
        sessionmaker, "https://a.example/h", [EventType.PROJECT_CREATED.value, EventType.STAGE_OPENED.value]
    )
    await record_twice(sessionmaker, story)
    old, recent = await deliveries(sessionmaker)
    async with sessionmaker.begin() as session:
        for delivery, at in ((old, T0), (recent, T0 + timedelta(days=29))):
            await writes.record_attempt(
                session, delivery.id, at=at, duration_ms=5, status_code=200, error=None, delivered=True
            )

    request = RetentionRequest(now=T0 + timedelta(days=30, hours=1), run_id=uuid.uuid4().hex)
    await ActivityEnvironment().run(RetentionActivities(sessionmaker, SETTINGS).erase_expired_personal_data, request)

    assert [d.id for d in await deliveries(sessionmaker)] == [recent.id]
    async with sessionmaker() as session:
        assert [a.delivery_id for a in await session.scalars(select(WebhookAttempt))] == [recent.id]
