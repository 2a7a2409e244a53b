"""Record WebhookDeliveryWorkflow's history for the replay suite: `python -m tests.replay.record_webhook_history`.

Issue 16's shape: one webhook, a real project's events delivered to a real receiver on loopback that
answers 503 to the first three attempts (Temporal retries the activity), then 200; the webhook is then
deleted and a `deliveries_queued` signal makes the run find it gone and end. Same rules as
tests/replay/record_history.py: a file that exists is left alone, never regenerated; the history holds
the webhook's and deliveries' ids only (bodies, URL and secret stay in the database), encrypted with the
test key besides.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from domain.lifecycle import Party
from domain.webhooks import WebhookDeliveryStart
from store.migrate import upgrade_to_head
from store.session import create_engine, create_sessionmaker
from store.tables import Partner, WebhookDelivery
from store.webhooks import writes
from tests.db_fixtures import sqlite_settings
from tests.replay.record_history import HISTORIES, Histories
from tests.temporal_env import start_time_skipping
from tests.webhook_receiver import receiver
from tests.workflows.driving import review, submit
from tests.workflows.support import PARTNER_ID, start_project
from worker import build_worker
from workflows.naming import REGISTRY, webhook_workflow_id
from workflows.webhooks import WebhookDeliveryWorkflow

PATH = HISTORIES / "webhook-receiver-outage-v1.json"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def _run(env: WorkflowEnvironment, folder: Path) -> Histories:
    settings = sqlite_settings(folder / "engage.db")
    await upgrade_to_head(settings)
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        now = await env.get_current_time()
        webhook_id = uuid.uuid4().hex
        task_queue = f"record-{uuid.uuid4().hex}"
        refusals = [503, 503, 503]

        async def answer() -> int:
            return refusals.pop() if refusals else 200

        async with receiver() as rx:
            rx.answer = answer
            async with sessionmaker() as session, session.begin():
                session.add(
                    Partner(
                        id=PARTNER_ID,
                        name="Partner",
                        contact_name="Contact",
                        contact_email="c@example.org",
                        created_at=now,
                    )
                )
                await writes.add_webhook(
                    session,
                    webhook_id=webhook_id,
                    url=f"{rx.url}/hook",
                    event_types=["project_created", "stage_opened", "milestone_submitted", "milestone_accepted"],
                    secret=SECRET,
                    seal=ActivitySettings().link_seal,
                    created_by="admin-key",
                    now=now,
                )
            worker = build_worker(
                env.client,
                task_queue=task_queue,
                sessionmaker=sessionmaker,
                activity_settings=ActivitySettings(),
                strict_sandbox=True,
            )
            async with worker:
                handle = await env.client.start_workflow(
                    WebhookDeliveryWorkflow.run,
                    WebhookDeliveryStart(webhook_id=webhook_id),
                    id=webhook_workflow_id(webhook_id),
                    task_queue=task_queue,
                )
                project = await start_project(env.client, task_queue, "co-curation", now)
                await submit(project, "proposal", Party.PARTNER)
                await review(project, "proposal")
                for _ in range(30):
                    await env.sleep(timedelta(minutes=2))
                    async with sessionmaker() as session:
                        pending = await session.scalar(select(func.count()).where(WebhookDelivery.status == "pending"))
                    if pending == 0 and not refusals:
                        break
                async with sessionmaker() as session, session.begin():
                    await writes.remove_webhook(session, webhook_id)
                await handle.signal(WebhookDeliveryWorkflow.deliveries_queued)
                await handle.result()
                await project.terminate("recorded")
        return {PATH: await handle.fetch_history()}
    finally:
        await engine.dispose()


async def record_webhook() -> bool:
    if PATH.exists():
        return False
    env = await start_time_skipping(REGISTRY)
    try:
        with tempfile.TemporaryDirectory() as folder:
            histories = await _run(env, Path(folder))
    finally:
        await env.shutdown()
    for target, history in histories.items():
        target.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n", encoding="utf-8")
    return True


if __name__ == "__main__":
    written = asyncio.run(record_webhook())
    sys.stdout.write(f"webhook-receiver-outage-v1: {'written' if written else 'exists, left alone'}\n")
