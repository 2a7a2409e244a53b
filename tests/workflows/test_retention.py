"""RetentionWorkflow with the real activity and a real database (SQLite and PostgreSQL), wired by
worker.build_worker exactly as production: the cut-offs come from the workflow's clock, the run is
recorded under the workflow's run id, and the next run erases nothing.

On the dev server, in real time: one workflow and one activity take a fraction of a second, and the
time-skipping server was seen to leap years ahead between two runs (its auto-skip while a result is
awaited), which moved the second run's cut-offs past every seeded date."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from domain.durations import IsoDuration
from domain.retention import RetentionResult
from store.tables import RetentionRun
from tests.activities.retention_builders import expected, held, seed
from tests.store.survey_builders import Sessions
from worker import build_worker
from workflows.naming import RETENTION_WORKFLOW, RETENTION_WORKFLOW_ID


async def run_once(env: WorkflowEnvironment, task_queue: str) -> tuple[str, str, RetentionResult]:
    workflow_id = f"{RETENTION_WORKFLOW_ID}-{uuid.uuid4().hex}"
    handle = await env.client.start_workflow(
        RETENTION_WORKFLOW, id=workflow_id, task_queue=task_queue, result_type=RetentionResult
    )  # by name: see api/retention/schedule.py
    result = await handle.result()
    assert handle.result_run_id is not None
    return workflow_id, handle.result_run_id, result


async def test_the_daily_run_erases_what_is_past_its_period_and_the_next_day_nothing(
    temporal_dev_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions
) -> None:
    env = temporal_dev_env
    started = await env.get_current_time()
    seeded = await seed(sessionmaker, started)
    worker = build_worker(
        env.client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(),
        strict_sandbox=True,
    )
    async with worker:
        workflow_id, run_id, first = await run_once(env, task_queue)
        _, _, second = await run_once(env, task_queue)

    assert (first.run_id, first.respondents_erased, first.applicants_erased) == (run_id, 3, 2)
    # The cut-offs are measured from the workflow's clock: P3Y and P1Y before the moment it ran.
    ran_at = IsoDuration("P3Y").after(first.respondents_cutoff_at)
    assert started <= ran_at < started + timedelta(minutes=1)
    assert IsoDuration("P1Y").after(first.applicants_cutoff_at) == ran_at
    assert (second.respondents_erased, second.applicants_erased) == (0, 0)
    assert second.respondents_cutoff_at > first.respondents_cutoff_at  # its own, later clock
    assert await held(sessionmaker, seeded) == expected(seeded)

    async with sessionmaker() as session:
        recorded = await session.get(RetentionRun, run_id)
        assert recorded is not None
        assert (recorded.workflow_id, recorded.respondents_erased, recorded.applicants_erased) == (workflow_id, 3, 2)
        assert recorded.respondents_cutoff_at == first.respondents_cutoff_at and recorded.finished_at is not None
        assert len((await session.scalars(select(RetentionRun))).all()) == 2
