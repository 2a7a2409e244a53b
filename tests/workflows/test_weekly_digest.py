"""WeeklyDigestWorkflow under the time-skipping server, with the real activities (worker.build_worker,
exactly as production), a real database (SQLite and PostgreSQL) and a real SMTP server (aiosmtpd):
the week's digests are queued in the outbox, then sent by the ordinary sender; a second run in the
same week sends nothing more; a removed account and a quiet one get nothing.

The projects in follow-up have no FollowUpWorkflow on this server: asking them for their coming waves
finds no run, and the digest goes on with the waves the rows hold (tests/api/test_weekly_digest_schedule.py
asks a live one)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from domain.digest import DigestResult
from store.tables import OutboxEmail
from tests.activities.digest_builders import seed
from tests.smtp_fixtures import SmtpServer
from tests.store.survey_builders import Sessions
from worker import build_worker
from workflows.naming import DIGEST_WORKFLOW_ID, WEEKLY_DIGEST_WORKFLOW


async def run_once(env: WorkflowEnvironment, task_queue: str) -> tuple[datetime, DigestResult]:
    """One run, started by name as the schedule starts it (api/digest/schedule.py): when it started
    (its `workflow.now()`) and what it did."""
    handle = await env.client.start_workflow(
        WEEKLY_DIGEST_WORKFLOW,
        id=f"{DIGEST_WORKFLOW_ID}-{uuid.uuid4().hex}",
        task_queue=task_queue,
        result_type=DigestResult,
    )
    result = await handle.result()
    return (await handle.describe()).start_time, result


async def test_the_weekly_run_sends_each_staff_member_one_digest_and_a_rerun_sends_nothing(
    time_skipping_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    env = time_skipping_env
    started = datetime.now(UTC)
    seeded = await seed(sessionmaker, started)
    settings = ActivitySettings.model_validate({"SMTP_URL": smtp_server.url, "ENGAGE_BASE_URL": "https://e.example"})
    worker = build_worker(
        env.client, task_queue=task_queue, sessionmaker=sessionmaker, activity_settings=settings, strict_sandbox=True
    )
    # 👉 A run has no timer to skip to, and the server's auto-skip was seen to leap a decade while a
    # result was awaited (the seeded dates are "now"), so the clock runs at its own pace here.
    async with worker:
        with env.auto_time_skipping_disabled():
            first_at, first = await run_once(env, task_queue)
            second_at, second = await run_once(env, task_queue)

    assert started - timedelta(minutes=1) < first_at <= second_at < started + timedelta(minutes=1)
    year, week, _ = started.astimezone(ZoneInfo("Europe/London")).isocalendar()
    assert first.week == second.week == f"{year}-W{week:02d}"
    assert (first.recipients, first.queued, first.awaiting_delivery) == (2, 2, 2)
    assert (second.recipients, second.queued, second.awaiting_delivery) == (2, 0, 0)  # the same week: nothing new

    async with sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.event_id == first.event_id)))
    assert sorted(r.dedupe_key for r in rows) == sorted(
        f"digest:{person}:{first.week}" for person in (seeded.ada, seeded.ben)
    )
    assert all(r.status == "sent" and r.attempts == 1 for r in rows)

    to_ada = [m for m in smtp_server.collector.messages if "ada.lead@" in m["To"]]
    to_ben = [m for m in smtp_server.collector.messages if "ben@" in m["To"]]
    assert len(to_ada) == len(to_ben) == 1
    assert not [m for m in smtp_server.collector.messages if any(who in m["To"] for who in ("cal@", "dee@", "pat@"))]
    payload = to_ada[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode().splitlines()
    # By hand from the rows: one submission to review, one milestone overdue, the 6-month wave due in
    # two days, and the open wave's 3 answers of 7 invitations (42.9 %, shown rounded).
    assert '- "Signed agreement" on "Voices of the Docks"' in body
    assert any(line.startswith('- "Workshop plan" on "Voices of the Docks", due ') for line in body)
    assert any(line.startswith('- "Harbour Memories": the 6-month survey opens ') for line in body)
    assert any(line.startswith('- "Harbour Memories", 3-month survey: 3 of 7 answered (43%)') for line in body)
    assert f"  https://e.example/projects/{seeded.harbour}/follow-up" in body
