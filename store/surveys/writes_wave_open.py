"""Follow-up survey waves, written by the `open_survey_wave` activity: record a wave open and invite
everyone eligible, in the caller's one transaction (the activity, or store.group_commit, commits).

Temporal may run a wave activity more than once (a retry after a lost result, a late attempt that
still finishes), so every write is claimed before anything is sent: invitations are inserted
ON CONFLICT DO NOTHING ... RETURNING, and a released deferral is an UPDATE ... WHERE status =
'deferred' RETURNING: only the rows this call really wrote get a token and an e-mail, so a retry after
a commit issues no second token and queues nothing. E-mails are inserted ON CONFLICT DO NOTHING on a
deterministic dedupe key as a last guard (store.surveys.writes_wave_mail).

Who gets mail: respondents not opted out, not bounced and not globally suppressed, and under the
fatigue cap. The cap is a rule of domain.fatigue (`fatigue_holds`); here we only fetch when each
address was sent survey mail (the outbox, by `recipient_hash`, across projects) and apply its answer:
a held invitation is deferred until the moment it gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fatigue import counting_since, fatigue_holds
from domain.follow_up import WaveReport, WaveTask
from store.in_lists import first_fit, in_chunks
from store.surveys.writes_wave_mail import (
    Outgoing,
    ProjectMailing,
    WaveKey,
    WaveMail,
    WaveOpening,
    eligible,
    invite_key,
    project_mailings,
    queue_wave_mail,
    recent_survey_mail,
    this_wave,
    wave_key,
    wave_reports,
)
from store.tables import (
    Respondent,
    SurveyInvitation,
    SurveyWave,
)
from store.upserts import insert_for, insert_ignore, insert_ignore_returning


@dataclass(frozen=True)
class _Candidate:
    """A respondent who may be invited now: never invited to the wave, or deferred until `deferred_until`."""

    id: str
    name: str
    email: str
    email_hash: str
    language: str
    status: str | None
    deferred_until: datetime | None


async def open_wave(session: AsyncSession, task: WaveTask, mail: WaveMail) -> WaveReport:
    """Record the wave as open and invite every eligible respondent not yet invited to it.

    Invariants: each respondent gets at most one invitation e-mail and one invitation token per
    wave, however often this runs; a closed wave is never reopened and invites nobody.
    """
    return (await open_waves(session, [(task, mail)]))[0]


async def open_waves(session: AsyncSession, openings: Sequence[WaveOpening]) -> list[WaveReport]:
    """Open many waves in the caller's transaction, each with the outcome `open_wave` gives it alone.

    When hundreds of projects' waves fall due at one instant the worker opens them together
    (activities.surveys, store.group_commit), so the statements here are per call, not per wave:
    one upsert marks every wave open, one query finds every candidate, one query per round reads
    the fatigue counts, and one insert each writes invitations, tokens and e-mails. The fatigue cap
    counts across projects, so waves that would mail the same address go in successive rounds,
    each seeing what the one before it queued, exactly as if they had been opened one by one.
    A wave named twice (a retry overlapping its first attempt) is opened again after the first.
    """
    reports: dict[int, WaveReport] = {}
    for positions in _distinct_waves(openings):
        batch = [openings[i] for i in positions]
        reports.update(zip(positions, await _open_distinct(session, batch), strict=True))
    return [reports[i] for i in range(len(openings))]


def _distinct_waves(openings: Sequence[WaveOpening]) -> list[list[int]]:
    """Positions of `openings` in batches that name each wave at most once, in arrival order."""
    return first_fit(range(len(openings)), lambda i: {wave_key(openings[i][0])})


async def _open_distinct(session: AsyncSession, openings: Sequence[WaveOpening]) -> list[WaveReport]:
    projects = await project_mailings(session, {task.project_id for task, _ in openings})
    still_open = await _mark_open(session, openings)
    live = [(task, mail) for task, mail in openings if wave_key(task) in still_open]
    candidates = await _candidates(session, live)
    queued: dict[WaveKey, int] = {}
    for round_ in _rounds(live, candidates):
        queued.update(await _invite(session, round_, candidates, projects))
    return await wave_reports(
        session,
        [(task, invite_key(task), queued.get(wave_key(task), 0), mail.smtp_configured) for task, mail in openings],
    )


async def _mark_open(session: AsyncSession, openings: Sequence[WaveOpening]) -> set[WaveKey]:
    """Insert or refresh each wave row as open (the plan from the workflow wins); returns the waves
    now open, leaving out the closed ones (a closed wave is never reopened)."""
    rows = [
        {
            "project_id": task.project_id,
            "wave_index": task.plan.index,
            "offset": str(task.plan.offset),
            "due_at": task.plan.due_at,
            "closes_at": task.plan.closes_at,
            "reminders_at": [r.isoformat() for r in task.plan.reminders_at],
            "instrument": task.instrument,
            "status": "open",
            "opened_at": mail.now,
        }
        for task, mail in openings
    ]
    opening = insert_for(session, SurveyWave)
    new = opening.excluded
    statement = opening.on_conflict_do_update(
        index_elements=["project_id", "wave_index"],
        set_={
            "offset": new.offset,
            "due_at": new.due_at,
            "closes_at": new.closes_at,
            "reminders_at": new.reminders_at,
            # 👉 not the instrument: a wave keeps the version it first opened with (answers validate against it).
            "status": "open",
            "opened_at": func.coalesce(SurveyWave.opened_at, new.opened_at),
        },
        where=SurveyWave.status != "closed",
    ).returning(SurveyWave.project_id, SurveyWave.wave_index)
    result = await session.execute(statement, rows)
    return {(str(project_id), int(index)) for project_id, index in result.all()}


async def _candidates(session: AsyncSession, openings: Sequence[WaveOpening]) -> dict[WaveKey, list[_Candidate]]:
    """Per wave, the eligible respondents never invited to it or deferred until now, oldest first."""
    found: dict[WaveKey, list[_Candidate]] = {wave_key(task): [] for task, _ in openings}
    now_of = {wave_key(task): mail.now for task, mail in openings}
    by_index: dict[int, list[str]] = defaultdict(list)
    for task, _ in openings:
        by_index[task.plan.index].append(task.project_id)
    latest = max(now_of.values(), default=None)
    for index, project_ids in by_index.items():
        invitation = and_(
            SurveyInvitation.project_id == Respondent.project_id,
            SurveyInvitation.wave_index == index,
            SurveyInvitation.respondent_id == Respondent.id,
        )
        for chunk in in_chunks(project_ids):
            rows = await session.execute(
                select(
                    Respondent.project_id,
                    Respondent.id,
                    Respondent.name,
                    Respondent.email,
                    Respondent.email_hash,
                    Respondent.language,
                    SurveyInvitation.status,
                    SurveyInvitation.deferred_until,
                )
                .outerjoin(SurveyInvitation, invitation)
                .where(
                    Respondent.project_id.in_(chunk),
                    eligible(),
                    (SurveyInvitation.respondent_id.is_(None))
                    | ((SurveyInvitation.status == "deferred") & (SurveyInvitation.deferred_until <= latest)),
                )
                .order_by(Respondent.project_id, Respondent.created_at, Respondent.id)
            )
            for project_id, respondent_id, name, email, digest, language, status, deferred_until in rows.all():
                candidate = _Candidate(respondent_id, name, email, digest, language, status, deferred_until)
                key = (project_id, index)
                if candidate.deferred_until is None or candidate.deferred_until <= now_of[key]:
                    found[key].append(candidate)
    return found


def _rounds(openings: Sequence[WaveOpening], candidates: dict[WaveKey, list[_Candidate]]) -> list[list[WaveOpening]]:
    """Split the waves so that no two in a round would mail the same address (the fatigue cap
    counts across projects: a later round must see what an earlier one queued)."""
    return first_fit(openings, lambda opening: {c.email_hash for c in candidates[wave_key(opening[0])]})


async def _invite(
    session: AsyncSession,
    openings: Sequence[WaveOpening],
    candidates: dict[WaveKey, list[_Candidate]],
    projects: dict[str, ProjectMailing],
) -> dict[WaveKey, int]:
    """Invite one round's candidates (no address shared between its waves); e-mails queued per wave."""
    sent = await recent_survey_mail(
        session,
        [c.email_hash for task, _ in openings for c in candidates[wave_key(task)]],
        since=counting_since(min((mail.now for _, mail in openings), default=datetime.max)),
    )
    fresh_rows: list[dict[str, Any]] = []
    deferred_rows: list[dict[str, Any]] = []
    holds_of: dict[WaveKey, dict[str, datetime]] = {}
    for task, mail in openings:
        wave = candidates[wave_key(task)]
        holds = holds_of[wave_key(task)] = fatigue_holds(sent, now=mail.now, cap=mail.fatigue_cap)
        fresh_rows += [
            _invitation(task, c.id, "invited", invited_at=mail.now)
            for c in wave
            if c.status is None and c.email_hash not in holds
        ]
        deferred_rows += [
            _invitation(task, c.id, "deferred", deferred_until=holds[c.email_hash])
            for c in wave
            if c.status is None and c.email_hash in holds
        ]
    claimed = set(await insert_ignore_returning(session, SurveyInvitation, fresh_rows, SurveyInvitation.respondent_id))
    await insert_ignore(session, SurveyInvitation, deferred_rows)
    outgoing: list[Outgoing] = []
    for task, mail in openings:
        wave, holds = candidates[wave_key(task)], holds_of[wave_key(task)]
        released = [c.id for c in wave if c.status == "deferred" and c.email_hash not in holds]
        claimed |= await _release(session, task, released, mail.now)
        await _extend_deferrals(
            session, task, {c.id: holds[c.email_hash] for c in wave if c.status == "deferred" and c.email_hash in holds}
        )
        invitees = [c for c in wave if c.id in claimed]
        project = projects[task.project_id]
        outgoing.append(Outgoing(task, project, invitees, "invitation", invite_key(task), task.plan.closes_at, mail))
    return await queue_wave_mail(session, outgoing)


def _invitation(
    task: WaveTask,
    respondent_id: str,
    status: str,
    *,
    invited_at: datetime | None = None,
    deferred_until: datetime | None = None,
) -> dict[str, Any]:
    return {
        "project_id": task.project_id,
        "wave_index": task.plan.index,
        "respondent_id": respondent_id,
        "status": status,
        "invited_at": invited_at,
        "deferred_until": deferred_until,
        "reminders": 0,
    }


async def _release(session: AsyncSession, task: WaveTask, respondent_ids: Sequence[str], now: datetime) -> set[str]:
    """Turn due deferrals into invitations; returns the ids this call really changed."""
    claimed: set[str] = set()
    for chunk in in_chunks(respondent_ids):
        result = await session.execute(
            update(SurveyInvitation)
            .where(this_wave(task), SurveyInvitation.respondent_id.in_(chunk), SurveyInvitation.status == "deferred")
            .values(status="invited", invited_at=now, deferred_until=None)
            .returning(SurveyInvitation.respondent_id)
        )
        claimed.update(result.scalars())
    return claimed


async def _extend_deferrals(session: AsyncSession, task: WaveTask, until: dict[str, datetime]) -> None:
    """Deferrals whose time came while the person is still over the cap wait again."""
    for respondent_id, moment in until.items():
        await session.execute(
            update(SurveyInvitation)
            .where(
                this_wave(task),
                SurveyInvitation.respondent_id == respondent_id,
                SurveyInvitation.status == "deferred",
            )
            .values(deferred_until=moment)
        )
