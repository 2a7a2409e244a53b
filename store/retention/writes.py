"""Retention, written: the `retention_run` row of a run, counted in the same transaction as each batch
it counts (the caller's; never commits). Idempotent: a retried run finds its row and adds to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.retention import RetentionRequest
from store.tables import RetentionRun
from store.upserts import insert_ignore


async def start_run(
    session: AsyncSession,
    request: RetentionRequest,
    *,
    started_at: datetime,
    respondents_cutoff_at: datetime,
    applicants_cutoff_at: datetime,
) -> bool:
    """The run's row, unless a first attempt already wrote it; True when written now."""
    row = {
        "id": request.run_id,
        "workflow_id": request.workflow_id,
        "started_at": started_at,
        "respondents_cutoff_at": respondents_cutoff_at,
        "applicants_cutoff_at": applicants_cutoff_at,
        "respondents_erased": 0,
        "applicants_erased": 0,
    }
    return await insert_ignore(session, RetentionRun, [row]) == 1


async def count_erased(session: AsyncSession, run_id: str, *, respondents: int = 0, applicants: int = 0) -> None:
    """Add one batch's counts to the run."""
    await session.execute(
        update(RetentionRun)
        .where(RetentionRun.id == run_id)
        .values(
            respondents_erased=RetentionRun.respondents_erased + respondents,
            applicants_erased=RetentionRun.applicants_erased + applicants,
        )
    )


async def finish_run(session: AsyncSession, run_id: str, finished_at: datetime) -> RetentionRun:
    """Mark the run finished; the row as it now stands."""
    await session.execute(update(RetentionRun).where(RetentionRun.id == run_id).values(finished_at=finished_at))
    run = await session.get(RetentionRun, run_id, populate_existing=True)
    assert run is not None  # start_run wrote it in an earlier transaction of this run
    return run
