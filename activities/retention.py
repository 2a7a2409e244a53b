"""The retention activity: erase the personal data that has outlived its period, and record the run.

`erase_expired_personal_data` is RetentionWorkflow's one step, run daily by the `engage-retention`
Schedule. It scrubs in batches of `BATCH` rows, one transaction each, with the same functions as an
erasure on request (store.people.erasure), and counts each batch into the run's `retention_run` row in
that same transaction, so the record never claims more or less than was done. Who is past their period
is store.retention.reads' query; the periods are the worker's settings (ENGAGE_RETENTION_RESPONDENTS,
ENGAGE_RETENTION_APPLICANTS); the cut-offs are measured from the workflow's clock in the request.

It also deletes webhook deliveries delivered more than 30 days before the run's clock, with their
attempts (domain.webhooks.DELIVERED_KEPT): the delivery log's retention (a body may carry personal data
when an admin allowed it).

Safe to retry at any point: committed batches stay done and are skipped (already scrubbed), the run's
row is found again by its id and added to. Heartbeats after each batch. Logs carry the run id, counts
and cut-offs, never a name, address or row id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.settings import ActivitySettings
from domain.retention import RetentionRequest, RetentionResult, cutoff
from domain.webhooks import DELIVERED_KEPT
from store.people.erasure import scrub_applications, scrub_respondents
from store.retention import reads, writes
from store.webhooks.writes import forget_delivered

#: Rows scrubbed per transaction: short transactions (each batch commits on its own, so a long run
#: never holds locks for minutes), few enough round trips for a year's worth at once.
BATCH = 500

Finder = Callable[[AsyncSession, datetime, str, int], Awaitable[list[str]]]
Scrubber = Callable[[AsyncSession, Sequence[str], datetime], Awaitable[int]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _find_respondents(session: AsyncSession, before: datetime, after: str, limit: int) -> list[str]:
    return await reads.expired_respondents(session, before, after=after, limit=limit)


async def _find_applications(session: AsyncSession, before: datetime, after: str, limit: int) -> list[str]:
    return await reads.expired_applications(session, before, after=after, limit=limit)


class RetentionActivities:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: ActivitySettings,
        *,
        clock: Callable[[], datetime] = _utc_now,
        batch: int = BATCH,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock
        self._batch = batch

    @activity.defn(name="erase_expired_personal_data")
    async def erase_expired_personal_data(self, request: RetentionRequest) -> RetentionResult:
        """Scrub expired respondents, then expired unsuccessful applicants; record the run."""
        respondents_cutoff = cutoff(request.now, self._settings.retention_respondents)
        applicants_cutoff = cutoff(request.now, self._settings.retention_applicants)
        async with self._sessionmaker.begin() as session:
            await writes.start_run(
                session,
                request,
                started_at=self._clock(),
                respondents_cutoff_at=respondents_cutoff,
                applicants_cutoff_at=applicants_cutoff,
            )
        respondents = await self._erase(
            request.run_id, respondents_cutoff, _find_respondents, scrub_respondents, "respondents"
        )
        applicants = await self._erase(
            request.run_id, applicants_cutoff, _find_applications, scrub_applications, "applicants"
        )
        async with self._sessionmaker.begin() as session:  # issue 16: the webhook delivery log's retention
            webhook_log_deleted = await forget_delivered(session, request.now - DELIVERED_KEPT)
        async with self._sessionmaker.begin() as session:
            run = await writes.finish_run(session, request.run_id, self._clock())
        activity.logger.info(
            "retention run finished",
            extra={
                "run_id": request.run_id,
                "respondents_erased": respondents,
                "applicants_erased": applicants,
                "webhook_deliveries_deleted": webhook_log_deleted,
                "respondents_cutoff_at": respondents_cutoff.isoformat(),
                "applicants_cutoff_at": applicants_cutoff.isoformat(),
            },
        )
        return RetentionResult(
            run_id=request.run_id,
            respondents_erased=run.respondents_erased,
            applicants_erased=run.applicants_erased,
            respondents_cutoff_at=respondents_cutoff,
            applicants_cutoff_at=applicants_cutoff,
        )

    async def _erase(self, run_id: str, before: datetime, find: Finder, scrub: Scrubber, kind: str) -> int:
        """Batch by batch (keyset by id, so each row is visited once): scrub, and count into the run's
        `{kind}_erased`, one transaction each. Returns how many this attempt scrubbed."""
        erased, after = 0, ""
        while True:
            async with self._sessionmaker.begin() as session:
                ids = await find(session, before, after, self._batch)
                if not ids:
                    return erased
                done = await scrub(session, ids, self._clock())
                await writes.count_erased(session, run_id, **{kind: done})
            erased, after = erased + done, ids[-1]
            activity.heartbeat(kind, erased)
            if len(ids) < self._batch:
                return erased
