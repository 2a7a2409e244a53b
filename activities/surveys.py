"""The follow-up survey activities: plan the waves, open (invite), remind and close a wave.

Thin on purpose, like activities.records: the idempotent writes live in store.surveys.writes_wave_*; this module
supplies the one transaction per call, the renderer, the clock, the fatigue cap and heartbeats.
Every wave activity is safe to retry at any point: a retry after a commit finds the invitation rows
(or the raised reminder count) and issues no token and queues no e-mail twice.

Follow-up workflows call the wave activities as local activities (since patch 6-wave-local): waves
that fall due together (every project on the same schedule) then arrive here together, and share
transactions through store.group_commit instead of paying a commit each. Histories from before the
patch still call them as ordinary activities, which keep a transaction of their own and heartbeat.

`plan_follow_up_waves` is a plain function, registered as a local activity target: it is pure
(domain.follow_up.plan_waves) but reads zone files, which the workflow sandbox refuses.
Logs carry project ids, wave indexes and counts only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.settings import ActivitySettings
from activities.survey_rendering import SurveyTemplateRenderer
from domain.follow_up import PlanRequest, WavePlans, WaveReport, WaveTask, plan_waves
from domain.instruments import InstrumentCatalog
from store.group_commit import GroupCommit, GroupCommitStats
from store.surveys.writes_wave_close import close_wave
from store.surveys.writes_wave_mail import UnknownProject, WaveMail, WaveOpening
from store.surveys.writes_wave_open import open_waves
from store.surveys.writes_wave_remind import remind_wave


@activity.defn(name="plan_follow_up_waves")
async def plan_follow_up_waves(request: PlanRequest) -> WavePlans:
    """Every wave's send, reminder and closing times on the project's local calendar."""
    try:
        return WavePlans(plans=tuple(plan_waves(request)))
    except (KeyError, ValueError) as exc:  # an unknown time zone cannot be fixed by retrying
        raise ApplicationError(str(exc), type="InvalidSchedule", non_retryable=True) from exc


W = TypeVar("W")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SurveyActivities:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: ActivitySettings,
        *,
        catalog: InstrumentCatalog | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._catalog = catalog
        self._renderer: SurveyTemplateRenderer | None = None
        self._clock = clock
        # Waves that fall due together share transactions (store.group_commit); opening is set-based.
        self._opening: GroupCommit[WaveOpening, WaveReport] = GroupCommit(sessionmaker, open_waves)
        self._reminding: GroupCommit[tuple[WaveTask, WaveMail], WaveReport] = GroupCommit(
            sessionmaker, _one_by_one(remind_wave)
        )
        self._closing: GroupCommit[tuple[WaveTask, datetime, bool], WaveReport] = GroupCommit(
            sessionmaker, _one_by_one(close_wave)
        )

    @property
    def opening_stats(self) -> GroupCommitStats:
        """How the waves opened so far were batched (transactions, items): for logs and tests."""
        return self._opening.stats

    def _mail(self, task: WaveTask) -> WaveMail:
        """How this call's e-mails are made; refuses (for good) an instrument the catalog lacks."""
        if self._renderer is None:
            # Loaded once, on first use rather than at worker start-up: a bad instrument file
            # fails these activities (visibly, retried) instead of the whole worker.
            self._renderer = SurveyTemplateRenderer.create(self._catalog or InstrumentCatalog.load_shipped())
        if self._renderer.catalog.get(task.instrument) is None:
            raise ApplicationError(
                f"unknown survey instrument {task.instrument!r}", type="UnknownInstrument", non_retryable=True
            )
        return WaveMail(
            render=self._renderer,
            base_url=self._settings.base_url,
            now=task.now or self._clock(),
            fatigue_cap=self._settings.survey_fatigue_cap,
            smtp_configured=self._settings.smtp_configured,
            # A local activity has no heartbeat of its own: the worker extends its workflow task.
            progress=(lambda _done: None) if activity.info().is_local else (lambda done: activity.heartbeat(done)),
            seal=self._settings.link_seal,
        )

    async def _write(self, group: GroupCommit[W, WaveReport], item: W) -> WaveReport:
        """Local (since patch 6-wave-local): batched with whatever is due at the same moment. Ordinary
        (older histories): a transaction of its own, so its heartbeats are its own."""
        try:
            if activity.info().is_local:
                return await group.run(item)
            return await group.run_alone(item)
        except UnknownProject as exc:
            raise ApplicationError(str(exc), type="UnknownProject", non_retryable=True) from exc

    @activity.defn(name="open_survey_wave")
    async def open_survey_wave(self, task: WaveTask) -> WaveReport:
        """Invite every eligible respondent not yet invited to the wave: one transaction.

        A wave opening for the first time pins the newest version of its instrument (issue 16: v2 asks
        consent to quote); a wave already open keeps the version it pinned (store.surveys.writes_wave_open).
        """
        mail = self._mail(task)
        assert self._renderer is not None  # made by _mail
        task = _newest_instrument(task, self._renderer.catalog)
        report = await self._write(self._opening, (task, mail))
        _log("survey wave opened", task, report)
        return report

    @activity.defn(name="remind_survey_wave")
    async def remind_survey_wave(self, task: WaveTask) -> WaveReport:
        """Queue reminder round `task.round` to invitees who have not answered: one transaction."""
        if task.round < 1:
            raise ApplicationError("reminder rounds count from 1", type="InvalidRound", non_retryable=True)
        report = await self._write(self._reminding, (task, self._mail(task)))
        _log("survey wave reminded", task, report)
        return report

    @activity.defn(name="close_survey_wave")
    async def close_survey_wave(self, task: WaveTask) -> WaveReport:
        """Close the wave and expire its links; returns the final counts."""
        report = await self._write(self._closing, (task, self._clock(), self._settings.smtp_configured))
        _log("survey wave closed", task, report)
        return report


def _newest_instrument(task: WaveTask, catalog: InstrumentCatalog) -> WaveTask:
    """The task naming the catalog's newest version of its instrument (`community-project@1` -> `@2`).

    Why here and not in the workflow: the policy's `name@version` lives in every running FollowUpWorkflow's
    history, and changing what the workflow sends would need a patch; which version a NEW wave asks is a
    question for the catalog the worker ships, answered when the wave row is first written."""
    newest = catalog.latest_ref(task.instrument.partition("@")[0])
    return task if newest is None or newest == task.instrument else task.model_copy(update={"instrument": newest})


def _one_by_one(
    write_one: Callable[..., Awaitable[WaveReport]],
) -> Callable[[AsyncSession, Sequence[tuple[Any, ...]]], Awaitable[list[WaveReport]]]:
    """A batch writer for work with no set-based form: each item in turn, in the shared transaction."""

    async def write(session: AsyncSession, items: Sequence[tuple[Any, ...]]) -> list[WaveReport]:
        return [await write_one(session, *item) for item in items]

    return write


def _log(message: str, task: WaveTask, report: WaveReport) -> None:
    activity.logger.info(
        message,
        extra={
            "project_id": task.project_id,
            "wave_index": task.plan.index,
            "round": task.round,
            "emails_queued": report.emails_queued,
            **report.counts.model_dump(),
        },
    )
