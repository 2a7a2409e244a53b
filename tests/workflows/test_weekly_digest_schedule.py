"""The weekly digest's Temporal Schedule end to end, on a dev server of this test's own: the worker's
start-up (worker.write_schedules) writes `engage-weekly-digest` — Mondays 07:00 Europe/London, overlap
SKIP — beside the retention schedule, keeps an operator's pause when written again, and deletes it when
ENGAGE_DIGEST_ENABLED is false. Triggering it runs WeeklyDigestWorkflow on the real worker against the
real database (SQLite and PostgreSQL), which asks a live FollowUpWorkflow for the waves it will send
this week (the read model has them only once they open).

A dev server, not the time-skipping one: that server has no schedules."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from api.digest.schedule import DigestSettings
from domain.durations import IsoDuration
from domain.follow_up import FollowUpInput
from store.tables import OutboxEmail
from tests.activities.digest_builders import add_led_project, seed
from tests.api.support import eventually
from tests.store.survey_builders import Sessions
from tests.temporal_fixtures import dev_server_stack, label_of
from worker import build_worker, write_schedules
from workflows.naming import (
    DIGEST_SCHEDULE_ID,
    DIGEST_WORKFLOW_ID,
    FOLLOW_UP_WORKFLOW,
    RETENTION_SCHEDULE_ID,
    WEEKLY_DIGEST_WORKFLOW,
    follow_up_workflow_id,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def temporal_dev_env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of this test's own (overriding the session's): the schedule ids are fixed, and a
    schedule left on the shared server would start runs on a task queue nobody polls."""
    async with dev_server_stack(label_of(request.node)) as env:
        yield env


async def digests(sessionmaker: Sessions) -> list[OutboxEmail]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxEmail).where(OutboxEmail.dedupe_key.startswith("digest:"))))


async def test_the_start_up_writes_the_weekly_schedule_and_a_triggered_run_queues_the_digests(
    temporal_dev_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions
) -> None:
    env = temporal_dev_env
    now = datetime.now(UTC)
    await seed(sessionmaker, now)
    # Cal leads a project in follow-up whose first wave goes out in 3 days, its second in 20.
    nets = await add_led_project(sessionmaker, "Net Lofts", "cal@museum.example", "follow_up")
    await env.client.start_workflow(
        FOLLOW_UP_WORKFLOW,
        FollowUpInput(project_id=nets, anchor_at=now, offsets=(IsoDuration("P3D"), IsoDuration("P20D"))),
        id=follow_up_workflow_id(nets),
        task_queue=task_queue,
    )
    schedule = env.client.get_schedule_handle(DIGEST_SCHEDULE_ID)
    worker = build_worker(
        env.client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(smtp_url=None),
        strict_sandbox=True,
    )
    try:
        async with worker:
            await write_schedules(env.client, task_queue)  # what `python worker.py` does before polling

            described = await schedule.describe()
            assert described.schedule.spec.time_zone_name == "Europe/London"
            assert described.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
            assert described.schedule.policy.catchup_window == timedelta(days=1)
            action = described.schedule.action
            assert isinstance(action, ScheduleActionStartWorkflow)
            assert (action.workflow, action.id, action.task_queue) == (
                WEEKLY_DIGEST_WORKFLOW,
                DIGEST_WORKFLOW_ID,
                task_queue,
            )
            fires = [t.astimezone(LONDON) for t in described.info.next_action_times[:3]]
            assert [(t.weekday(), t.hour, t.minute) for t in fires] == [(0, 7, 0)] * 3  # Mondays, 07:00 London
            assert [later.date() - earlier.date() for earlier, later in itertools.pairwise(fires)] == [
                timedelta(days=7)
            ] * 2

            # Written again at the next start-up: still one schedule, and an operator's pause is kept.
            await schedule.pause(note="paused by the operator")
            await write_schedules(env.client, task_queue)
            assert (await schedule.describe()).schedule.state.paused
            await schedule.unpause()

            await schedule.trigger()
            rows = await eventually(lambda: digests(sessionmaker), lambda found: len(found) == 3)
            (to_cal,) = [r for r in rows if r.to_address == "cal@museum.example"]
            assert to_cal.status == "held"  # no SMTP here: shown in the dashboard's outbox
            assert '- "Net Lofts": the 3-day survey opens ' in to_cal.body
            assert "20-day" not in to_cal.body and "Harbour" not in to_cal.body
            assert sorted(r.to_address for r in rows) == [
                "ada.lead@museum.example",
                "ben@museum.example",
                "cal@museum.example",
            ]

            # Turned off (ENGAGE_DIGEST_ENABLED=false): the next start-up deletes it, and again is harmless.
            await write_schedules(env.client, task_queue, DigestSettings(enabled=False))
            with pytest.raises(RPCError):
                await schedule.describe()
            await write_schedules(env.client, task_queue, DigestSettings(enabled=False))
    finally:
        for schedule_id in (DIGEST_SCHEDULE_ID, RETENTION_SCHEDULE_ID):
            with contextlib.suppress(RPCError):
                await env.client.get_schedule_handle(schedule_id).delete()


def test_a_bad_digest_setting_stops_the_worker_in_words() -> None:
    with pytest.raises(ValidationError, match="not five cron fields"):
        DigestSettings(cron="every monday")
    with pytest.raises(ValidationError, match="not a time zone"):
        DigestSettings(timezone="Europe/Londres")
    assert DigestSettings(cron=" 30  8 * * 1-5 ").cron == "30 8 * * 1-5"
