"""FollowUpWorkflow: a project's survey waves, months and years after its evaluation.

Id `followup/{project_id}`, a child of the project's ProjectWorkflow (started when the project
enters its follow_up stage; cancelled if the project is withdrawn or closed early).

Update: reschedule(Reschedule) -> FollowUpState — new offsets or a moved end date for the waves
    not yet sent (waves already sent are untouched). Staff only: the validator checks the actor
    the input names (issue 13), so a partner cannot move waves even by calling Temporal directly.
Signals: note_answer(SurveyAnswered), note_opt_out(RespondentOptedOut) — fire-and-forget: the
    answer or opt-out is already durable in the database when they arrive; they keep the live
    counts current and let the workflow skip a reminder round nobody needs.
    end_follow_up(FollowUpEnding) — from the project, when it is closed or withdrawn during
    follow-up (issue 12): open waves close now (their links expire), waves not yet sent are
    cancelled, and the run finishes. Only a patched project sends it, so runs without it behave
    as before.
Query: status -> FollowUpState
Activities: plan_follow_up_waves (local); open_survey_wave, remind_survey_wave, close_survey_wave
    (local since patch 6-wave-local, ordinary before it); deliver_emails.

Per-respondent work happens in the wave activities, in bulk, against the database: the
workflow holds only wave dates and counts, so 500 respondents cost the same history as 5.
Answers never go through Updates here (the server admits ~10 in flight per workflow).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import rules
    from domain.durations import IsoDuration
    from domain.follow_up import (
        WAVE_DONE,
        FollowUpEnding,
        FollowUpInput,
        FollowUpState,
        PlanRequest,
        Reschedule,
        RespondentOptedOut,
        SurveyAnswered,
        WaveCounts,
        WaveReport,
        WaveState,
        WaveStatus,
        WaveTask,
        end_early,
    )
    from workflows import activity_calls, kit
    from workflows.naming import FOLLOW_UP_WORKFLOW


_MIN_DEFERRAL = timedelta(hours=1)
#: Wave activities run as local activities from here on (they ran as ordinary activities before).
WAVE_ACTIVITIES_LOCAL_PATCH = "6-wave-local"


@workflow.defn(name=FOLLOW_UP_WORKFLOW)
class FollowUpWorkflow:
    @workflow.init
    def __init__(self, start: FollowUpInput) -> None:
        self._start = start
        self._state: FollowUpState = start.carried_state or FollowUpState(
            project_id=start.project_id, anchor_at=start.anchor_at, timezone=start.timezone, policy=start.policy
        )
        self._wakeups = 0
        self._planning = asyncio.Lock()
        self._deliveries = kit.Deliveries("survey e-mail")

    @workflow.run
    async def run(self, start: FollowUpInput) -> FollowUpState:
        if start.carried_state is None:
            await self._plan(start.offsets, anchor_at=start.anchor_at, first_index=0)
        while not self._every_wave_closed() and not self._ending:
            await self._take_due_steps()
            if kit.history_is_long(self._start.max_history_events):
                await kit.continue_as_new(self._start, self._state, self._deliveries.finish)
            await self._sleep_until_next_step()
        if self._ending:
            await self._end_early()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._deliveries.finish()
        self._state.finished = True
        return self._state

    # -- the steps of the story ---------------------------------------------------------------

    async def _plan(self, offsets: tuple[str, ...] | list[str], *, anchor_at: datetime, first_index: int) -> None:
        request = PlanRequest(
            anchor_at=anchor_at,
            offsets=tuple(IsoDuration(o) for o in offsets),
            first_index=first_index,
            timezone=self._state.timezone,
            policy=self._state.policy,
        )
        plans = await activity_calls.plan_follow_up_waves(request)
        kept = [w for w in self._state.waves if w.status is not WaveStatus.SCHEDULED]
        self._state.waves = kept + [WaveState(plan=p) for p in plans.plans]
        self._state.anchor_at = anchor_at

    @property
    def _ending(self) -> bool:
        """Set only by the end_follow_up signal (issue 12): a run that never got it behaves as before."""
        return bool(self._state.ended_early)

    def _every_wave_closed(self) -> bool:
        return all(w.status in WAVE_DONE for w in self._state.waves)

    async def _end_early(self) -> None:
        """The project ended during follow-up: close what is open, cancel what was never sent."""
        for wave in end_early(self._state, self._state.ended_early):
            await self._close_wave(wave)

    async def _close_wave(self, wave: WaveState) -> None:
        await self._run_wave_activity(activity_calls.close_survey_wave, wave)
        wave.status, wave.closed_at, wave.deferred_until = WaveStatus.CLOSED, workflow.now(), None

    def _next_step_at(self) -> datetime | None:
        """The earliest moment some wave needs attention."""
        moments: list[datetime] = []
        for wave in self._state.waves:
            if wave.status is WaveStatus.SCHEDULED:
                moments.append(wave.plan.due_at)
            elif wave.status is WaveStatus.OPEN:
                moments.append(wave.plan.closes_at)
                if wave.deferred_until is not None:
                    moments.append(wave.deferred_until)
                pending = self._pending_reminders(wave)
                if pending:
                    moments.append(pending[0])
        return min(moments) if moments else None

    def _pending_reminders(self, wave: WaveState) -> list[datetime]:
        later = wave.plan.reminders_at[wave.reminder_rounds :]
        return [at for at in later if at < wave.plan.closes_at]

    async def _take_due_steps(self) -> None:
        """Open, release, remind and close whatever is due, oldest wave first."""
        for wave in sorted(self._state.waves, key=lambda w: w.plan.index):
            now = workflow.now()
            if wave.status is WaveStatus.SCHEDULED and wave.plan.due_at <= now:
                wave.status, wave.opened_at = WaveStatus.OPEN, now
                await self._run_wave_activity(activity_calls.open_survey_wave, wave)
            if wave.status is not WaveStatus.OPEN:
                continue
            if wave.deferred_until is not None and wave.deferred_until <= now < wave.plan.closes_at:
                await self._run_wave_activity(activity_calls.open_survey_wave, wave)
            reminders = self._pending_reminders(wave)
            if reminders and reminders[0] <= now < wave.plan.closes_at:
                wave.reminder_rounds += 1
                if self._someone_still_owes_an_answer(wave):
                    await self._run_wave_activity(activity_calls.remind_survey_wave, wave, wave.reminder_rounds)
            if wave.plan.closes_at <= workflow.now():
                await self._close_wave(wave)

    def _someone_still_owes_an_answer(self, wave: WaveState) -> bool:
        counts = wave.counts
        return counts.deferred > 0 or counts.answered + counts.opted_out + counts.bounced < counts.invited

    async def _run_wave_activity(self, call: object, wave: WaveState, round_: int = 0) -> None:
        task = WaveTask(
            project_id=self._state.project_id,
            plan=wave.plan,
            instrument=self._state.policy.instrument,
            round=round_,
            now=workflow.now(),
        )
        report: WaveReport = await call(task, local=self._wave_activities_local())  # type: ignore[operator]
        wave.counts = report.counts
        wave.deferred_until = report.deferred_until
        if wave.deferred_until is not None and wave.deferred_until <= workflow.now():
            # Never spin: a deferral that is already due is retried an hour later at the earliest.
            wave.deferred_until = workflow.now() + _MIN_DEFERRAL
        if report.deliver and report.delivery_key:
            self._deliveries.start((report.delivery_key,))

    def _wave_activities_local(self) -> bool:
        """Local activities from patch 6-wave-local on; a run that already scheduled an ordinary wave
        activity before it keeps them (`patched` answers the same for the whole run)."""
        return workflow.patched(WAVE_ACTIVITIES_LOCAL_PATCH)

    async def _sleep_until_next_step(self) -> None:
        if self._every_wave_closed():
            return
        seen = self._wakeups
        next_at = self._next_step_at()
        timeout = None if next_at is None else next_at - workflow.now()
        if timeout is not None and timeout <= timedelta(0):
            return
        # 👉 A durable timer: months pass here. A reschedule bumps `_wakeups` to re-plan at once;
        # a flood of answer signals grows history, so a long history wakes us to continue-as-new.
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._wakeups != seen or self._ending or kit.history_is_long(self._start.max_history_events),
                timeout=timeout,
            )

    # -- handlers -------------------------------------------------------------------------------

    @workflow.update
    async def reschedule(self, change: Reschedule) -> FollowUpState:
        async with self._planning:
            pending = self._state.pending()
            offsets = change.offsets if change.offsets is not None else tuple(w.plan.offset for w in pending)
            sent = [w for w in self._state.waves if w.status is not WaveStatus.SCHEDULED]
            first_index = max((w.plan.index for w in sent), default=-1) + 1
            await self._plan(offsets, anchor_at=change.anchor_at or self._state.anchor_at, first_index=first_index)
            self._wakeups += 1
            return self._state

    @reschedule.validator
    def _validate_reschedule(self, change: Reschedule) -> None:
        kit.refuse_unless(lambda: rules.check_reschedule(self._state, change))

    @workflow.signal
    def note_answer(self, answered: SurveyAnswered) -> None:
        self._state.answers_signalled += 1
        wave = self._state.wave(answered.wave_index)
        if wave is not None:
            counts = wave.counts
            wave.counts = WaveCounts(**{**counts.model_dump(), "answered": counts.answered + 1})

    @workflow.signal
    def end_follow_up(self, ending: FollowUpEnding) -> None:
        # 👉 Kept in the state, so a continue-as-new before the loop sees it carries it over.
        self._state.ended_early = ending.reason or "the project ended"

    @workflow.signal
    def note_opt_out(self, opted_out: RespondentOptedOut) -> None:
        self._state.opt_outs_signalled += 1

    @workflow.query
    def status(self) -> FollowUpState:
        return self._state
