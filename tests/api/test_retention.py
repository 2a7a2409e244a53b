"""Retention end to end: the worker's start-up writes the daily Schedule (a real Temporal Schedule on a dev
server of this test's own), triggering it runs RetentionWorkflow on the real worker against the real
database (SQLite and PostgreSQL), and staff read each run at GET /api/v1/retention/runs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import (
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    ScheduleRange,
)
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from tests.activities.retention_builders import expected, held, seed
from tests.api.conftest import Api
from tests.api.support import eventually, ok
from tests.temporal_fixtures import dev_server_stack, label_of
from worker import write_schedules
from workflows.naming import RETENTION_SCHEDULE_ID, RETENTION_WORKFLOW, RETENTION_WORKFLOW_ID

RUNS = "/api/v1/retention/runs"


@pytest.fixture
async def temporal_dev_env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of this test's own (overriding the session's): the schedule id is fixed, and a
    schedule left on the shared server would start runs on a task queue nobody polls."""
    async with dev_server_stack(label_of(request.node)) as env:
        yield env


async def finished_runs(api: Api) -> list[dict[str, Any]]:
    return [r for r in ok(await api.http.get(RUNS), 200)["items"] if r["finished_at"]]


async def test_the_start_up_schedule_runs_retention_daily_and_staff_see_each_run(api: Api) -> None:
    seeded = await seed(api.sessionmaker, datetime.now(UTC))
    schedule = api.client.get_schedule_handle(RETENTION_SCHEDULE_ID)
    try:
        await write_schedules(api.client, api.task_queue)  # what `python worker.py` does before polling

        described = await schedule.describe()
        assert described.schedule.spec.calendars == [
            ScheduleCalendarSpec(hour=(ScheduleRange(3),), minute=(ScheduleRange(0),), second=(ScheduleRange(0),))
        ]
        assert described.schedule.spec.time_zone_name == "UTC"
        assert described.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
        assert described.schedule.policy.catchup_window == timedelta(days=1)
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.id, action.task_queue) == (
            RETENTION_WORKFLOW,
            RETENTION_WORKFLOW_ID,
            api.task_queue,
        )
        first, second, *_ = described.info.next_action_times
        assert (first.hour, first.minute, second - first) == (3, 0, timedelta(days=1))  # daily, at 03:00 UTC

        # Written again at the next start-up: still one schedule, and an operator's pause is kept.
        await schedule.pause(note="paused by the operator")
        await write_schedules(api.client, api.task_queue)
        assert (await schedule.describe()).schedule.state.paused
        await schedule.unpause()

        await schedule.trigger()
        (run,) = await eventually(lambda: finished_runs(api), lambda runs: len(runs) == 1)
        assert (run["respondents_erased"], run["applicants_erased"]) == (3, 2)
        assert run["workflow_id"].startswith(f"{RETENTION_WORKFLOW_ID}-")
        assert await held(api.sessionmaker, seeded) == expected(seeded)

        await schedule.trigger()
        newest, oldest = await eventually(lambda: finished_runs(api), lambda runs: len(runs) == 2)
        assert oldest["id"] == run["id"]
        assert (newest["respondents_erased"], newest["applicants_erased"]) == (0, 0)
        assert await held(api.sessionmaker, seeded) == expected(seeded)
    finally:
        with contextlib.suppress(RPCError):
            await schedule.delete()
