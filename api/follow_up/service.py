"""Staff's view of a project's follow-up: the waves, moving them, the answers as CSV, outcomes over time.

Where each fact comes from, and why:
- wave dates and status: FollowUpWorkflow's `status` query while Temporal holds the run (it owns
  the plan: a reschedule changes it there first); the database's `survey_wave` rows otherwise
  (after retention, or with Temporal down for a wave already recorded);
- counts (invited, answered, ...): always the database (store.surveys.reads_reports.wave_report), which the
  answers are written to in the request; the workflow's own counts lag by a signal;
- before follow-up starts there is no FollowUpWorkflow: the project's schedule, and no waves.
A schedule change goes to FollowUpWorkflow.reschedule (an Update: waves already sent stay as they
are) when the run exists, else to ProjectWorkflow.set_follow_up_schedule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError

from api import live_state, temporal_calls
from api.auth import Principal
from api.errors import PROJECT_NOT_FOUND, follow_up_finished, not_found
from api.follow_up.schemas import (
    FollowUpPublic,
    FollowUpScheduleUpdate,
    OutcomePublic,
    OutcomesPublic,
    OutcomeWave,
    WavePublic,
)
from api.read_audit import record_read
from domain.durations import IsoDuration
from domain.follow_up import FollowUpState, Reschedule, WaveCounts, WaveStatus
from domain.instruments import InstrumentCatalog
from domain.surveys import QuestionKind, SurveyInstrument
from store.surveys import reads_reports as survey_reports
from store.surveys.reads_reports import ResponseRow, WaveSummary
from workflows.follow_up import FollowUpWorkflow
from workflows.project import ProjectWorkflow

CSV_FIXED_COLUMNS = ("respondent_id", "role", "language", "wave_index", "offset", "submitted_at")
#: Spreadsheets run a cell that starts with one of these as a formula: such text gets a leading '.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


async def follow_up_state(client: Client, project_id: str) -> tuple[FollowUpState | None, str | None]:
    """The live plan from FollowUpWorkflow (None when Temporal holds no such run), or None and why it
    could not be read live (the run is stuck, or no worker answered): the database's record then."""
    target = temporal_calls.follow_up(client, project_id)
    state, reason = await temporal_calls.query_or_why_not(target, FollowUpWorkflow.status)
    return state, None if reason == temporal_calls.NOT_LIVE_ARCHIVED else reason


def _wave_public(index: int, summary: WaveSummary | None, state: FollowUpState | None) -> WavePublic:
    live = state.wave(index) if state is not None else None
    counts = summary.counts if summary is not None else WaveCounts()
    common = {**counts.model_dump(), "response_rate": counts.response_rate}
    if live is not None:
        plan = live.plan
        return WavePublic(
            index=index,
            offset=plan.offset,
            due_at=plan.due_at,
            reminders_at=list(plan.reminders_at),
            closes_at=plan.closes_at,
            status=live.status,
            opened_at=live.opened_at,
            closed_at=live.closed_at,
            **common,
        )
    assert summary is not None
    return WavePublic(
        index=index,
        offset=summary.offset,
        due_at=summary.due_at,
        reminders_at=[],
        closes_at=summary.closes_at,
        status=WaveStatus(summary.status),
        opened_at=summary.opened_at,
        closed_at=summary.closed_at,
        **common,
    )


def follow_up_public(state: FollowUpState | None, summaries: list[WaveSummary]) -> FollowUpPublic:
    """Merge the workflow's plan (dates, status) with the database's counts, wave by wave."""
    by_index = {s.wave_index: s for s in summaries}
    indexes = sorted({*by_index, *(w.plan.index for w in state.waves)} if state else by_index)
    waves = [_wave_public(i, by_index.get(i), state) for i in indexes]
    return FollowUpPublic(
        started=True,
        finished=state.finished if state is not None else all(w.status is WaveStatus.CLOSED for w in waves),
        schedule=[w.offset for w in waves],
        anchor_at=state.anchor_at if state is not None else None,
        timezone=state.timezone if state is not None else None,
        instrument=state.policy.instrument if state is not None else (summaries[0].instrument if summaries else None),
        waves=waves,
    )


async def read_follow_up(
    client: Client, session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], project_id: str
) -> FollowUpPublic:
    state, live_reason = await follow_up_state(client, project_id)
    summaries = await survey_reports.wave_report(session, project_id)
    if state is not None or summaries or live_reason:
        public = follow_up_public(state, summaries)
        return public.model_copy(update={"live": live_reason is None, "live_reason": live_reason})
    project = await live_state.project_state(client, sessionmaker, project_id)
    if project is None:
        raise not_found(PROJECT_NOT_FOUND)
    return FollowUpPublic(started=False, schedule=list(project.follow_up_schedule), timezone=project.timezone, waves=[])


async def change_schedule(
    client: Client,
    session: AsyncSession,
    project_id: str,
    change: Reschedule,
    *,
    update_id: str | None,
) -> FollowUpPublic:
    """Move the pending waves (follow-up running) or set the offsets follow-up will use (not yet started)."""
    follow_up = temporal_calls.follow_up(client, project_id)
    running = await temporal_calls.run_status(follow_up)
    if running is False:
        raise follow_up_finished()
    if running is None:
        try:
            project = await temporal_calls.run_update(
                client, project_id, ProjectWorkflow.set_follow_up_schedule, change, update_id=update_id
            )
        except WorkflowUpdateFailedError:
            # Follow-up may have started since we looked: then the change belongs to its workflow.
            # (A bare raise: the refusal's details live in the exception's __cause__.)
            if await temporal_calls.run_status(follow_up) is not True:
                raise
        else:
            return FollowUpPublic(
                started=False, schedule=list(project.follow_up_schedule), timezone=project.timezone, waves=[]
            )
    # A run that completes between our look and the update is answered `follow_up_finished` too.
    state = await temporal_calls.update(client, follow_up, FollowUpWorkflow.reschedule, change, update_id=update_id)
    return follow_up_public(state, await survey_reports.wave_report(session, project_id))


async def set_schedule(
    client: Client,
    session: AsyncSession,
    project_id: str,
    body: FollowUpScheduleUpdate,
    principal: Principal,
    idempotency_key: str | None,
) -> FollowUpPublic:
    """`PUT .../follow-up/schedule` and the follow-up page's schedule form: the request as the change
    the workflows take, sent under one update id per caller and Idempotency-Key (a form's nonce)."""
    change = Reschedule(
        offsets=tuple(IsoDuration(o) for o in body.offsets) if body.offsets is not None else None,
        anchor_at=body.anchor_at,
        actor=principal.actor(),
    )
    key = temporal_calls.update_id("follow_up_schedule", principal, idempotency_key)
    return await change_schedule(client, session, project_id, change, update_id=key)


# -- answers as CSV and as outcomes --------------------------------------------------------------


def _instruments_used(
    instruments: InstrumentCatalog, project_instrument: SurveyInstrument, rows: Iterable[ResponseRow]
) -> list[SurveyInstrument]:
    used = [project_instrument]
    for ref in dict.fromkeys(r.instrument for r in rows):
        instrument = instruments.get(ref)
        if instrument is not None and instrument.ref not in {u.ref for u in used}:
            used.append(instrument)
    return used


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_STARTS) else text


def responses_csv(
    rows: list[ResponseRow],
    summaries: list[WaveSummary],
    project_instrument: SurveyInstrument,
    instruments: InstrumentCatalog,
) -> str:
    """One line per response: pseudonymous (respondent id and role, never a name or an address),
    one column per question key (multiple choice joined with ';'). Text that a spreadsheet would
    run as a formula is prefixed with a quote."""
    keys: list[str] = []
    for instrument in _instruments_used(instruments, project_instrument, rows):
        keys.extend(q.key for q in instrument.questions if q.key not in keys)
    offsets = {s.wave_index: s.offset for s in summaries}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*CSV_FIXED_COLUMNS, *keys])
    for r in rows:
        fixed = [r.respondent_id, r.role, r.language, r.wave_index, offsets.get(r.wave_index, ""), r.submitted_at]
        writer.writerow([_cell(v) for v in fixed] + [_cell(r.answers.get(k)) for k in keys])
    return out.getvalue()


def outcomes_over_time(
    rows: list[ResponseRow],
    summaries: list[WaveSummary],
    instrument: SurveyInstrument,
    instruments: InstrumentCatalog,
) -> OutcomesPublic:
    """Per outcome of the framework, per wave: how many responses spoke to it, and the mean of its
    Likert answers. Questions of every instrument the project's answers used count, by their own
    mapping; waves come from the database (opened or closed) and from the answers."""
    framework = instruments.framework_of(instrument)
    used = _instruments_used(instruments, instrument, rows)
    outcome_of = {(i.ref, q.key): q.outcome for i in used for q in i.questions}
    likert = {(i.ref, q.key) for i in used for q in i.questions if q.kind is QuestionKind.LIKERT}
    offsets = {s.wave_index: s.offset for s in summaries}
    for r in rows:
        offsets.setdefault(r.wave_index, "")
    outcomes: list[OutcomePublic] = []
    for outcome in framework.outcomes:
        waves: list[OutcomeWave] = []
        for index in sorted(offsets):
            responses = 0
            values: list[int] = []
            for r in (r for r in rows if r.wave_index == index):
                mine = [k for k in r.answers if outcome_of.get((r.instrument, k)) == outcome.key]
                responses += bool(mine)
                values.extend(
                    r.answers[k] for k in mine if (r.instrument, k) in likert and isinstance(r.answers[k], int)
                )
            mean = round(sum(values) / len(values), 3) if values else None
            waves.append(
                OutcomeWave(
                    index=index,
                    offset=offsets[index],
                    responses=responses,
                    likert_answers=len(values),
                    likert_mean=mean,
                )
            )
        outcomes.append(
            OutcomePublic(
                key=outcome.key,
                title=outcome.title,
                description=outcome.description,
                indicators=list(outcome.indicators),
                questions=[q.key for q in instrument.questions if q.outcome == outcome.key],
                waves=waves,
            )
        )
    return OutcomesPublic(instrument=instrument.ref, framework=framework.name, outcomes=outcomes)


def attachment_name(project_id: str, now: datetime) -> str:
    return f"responses-{project_id}-{now:%Y%m%d}.csv"


async def export_responses(
    session: AsyncSession,
    principal: Principal,
    project_id: str,
    instrument: SurveyInstrument,
    instruments: InstrumentCatalog,
) -> tuple[str, str]:
    """The answers as CSV and the file's name, for `GET .../responses.csv` and the follow-up page's
    link alike; the read goes in the audit trail (committed) before anything is answered."""
    await record_read(session, principal, "responses_exported", project_id)
    rows = await survey_reports.responses_for_csv(session, project_id)
    summaries = await survey_reports.wave_report(session, project_id)
    text = responses_csv(rows, summaries, instrument, instruments)
    return text, attachment_name(project_id, datetime.now(UTC))
