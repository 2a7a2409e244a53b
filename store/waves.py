"""Follow-up survey waves, the worker's side: open (invite), remind and close, each in the caller's
one transaction (the activity in activities.surveys commits).

Temporal may run a wave activity more than once (a retry after a lost result, a late attempt that
still finishes), so every write is claimed before anything is sent:
- invitations are inserted ON CONFLICT DO NOTHING ... RETURNING, and a released deferral is an
  UPDATE ... WHERE status = 'deferred' RETURNING: only the rows this call really wrote get a token
  and an e-mail, so a retry after a commit issues no second token and queues nothing;
- a reminder round is claimed by raising `reminders` to the round number (WHERE reminders < n);
- e-mails are inserted ON CONFLICT DO NOTHING on a deterministic dedupe key as a last guard.

Who gets mail: respondents not opted out, not bounced and not globally suppressed, and under the
fatigue cap (`fatigue_cap` survey e-mails per address per 30 days, across projects, counted from the
outbox by `recipient_hash`). Over the cap an invitation is deferred until the count drops below it;
a reminder round is simply skipped for that person.

Raw tokens exist only in memory and in the rendered e-mail body; rows keep their sha256.
Rendering is injected (`SurveyRenderer`) like store.records' `EmailRenderer`. No addresses, names,
tokens or answers in log lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.follow_up import WaveCounts, WaveReport, WaveTask
from store.records import RenderedEmail
from store.surveys import hash_token, new_token, wave_counts
from store.tables import (
    OutboxEmail,
    Project,
    Respondent,
    SurveyInvitation,
    SurveyResponse,
    SurveySuppression,
    SurveyToken,
    SurveyWave,
)
from store.upserts import insert_ignore, insert_ignore_returning

FATIGUE_WINDOW = timedelta(days=30)
_CHUNK = 500  # bound IN (...) lists well under every driver's parameter limit


@dataclass(frozen=True)
class SurveyEmailContext:
    """Everything a survey e-mail may say. `link` and `opt_out_link` carry the raw token."""

    kind: Literal["invitation", "reminder"]
    round: int
    language: str
    recipient_name: str
    project_title: str
    timezone: str
    closes_at: datetime
    instrument: str
    link: str
    opt_out_link: str


class UnknownProject(LookupError):
    """The wave's project has no row: a bug upstream that no retry fixes."""


SurveyRenderer = Callable[[SurveyEmailContext], RenderedEmail]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class WaveMail:
    """What a wave call needs besides the task: rendering, links, clock, cap, SMTP switch."""

    render: SurveyRenderer
    base_url: str
    now: datetime
    fatigue_cap: int
    smtp_configured: bool
    progress: Progress = lambda _done: None


def invite_key(task: WaveTask) -> str:
    return f"followup/{task.project_id}:w{task.plan.index}:invite"


def remind_key(task: WaveTask) -> str:
    return f"followup/{task.project_id}:w{task.plan.index}:r{task.round}"


# -- open ------------------------------------------------------------------------------------------


async def open_wave(session: AsyncSession, task: WaveTask, mail: WaveMail) -> WaveReport:
    """Record the wave as open and invite every eligible respondent not yet invited to it.

    Invariants: each respondent gets at most one invitation e-mail and one invitation token per
    wave, however often this runs; a closed wave is never reopened and invites nobody.
    """
    key = invite_key(task)
    project = await _project(session, task.project_id)
    if not await _mark_open(session, task, mail.now):
        return await _report(session, task, key, 0, mail.smtp_configured)
    plan, index = task.plan, task.plan.index
    invitation = and_(
        SurveyInvitation.project_id == task.project_id,
        SurveyInvitation.wave_index == index,
        SurveyInvitation.respondent_id == Respondent.id,
    )
    rows = (
        await session.execute(
            select(Respondent, SurveyInvitation.status)
            .outerjoin(SurveyInvitation, invitation)
            .where(
                Respondent.project_id == task.project_id,
                _eligible(),
                (SurveyInvitation.respondent_id.is_(None))
                | ((SurveyInvitation.status == "deferred") & (SurveyInvitation.deferred_until <= mail.now)),
            )
            .order_by(Respondent.created_at, Respondent.id)
        )
    ).all()
    candidates = list(rows)
    holds = await _fatigue_holds(session, [r.email_hash for r, _ in candidates], mail)
    fresh = [r for r, status in candidates if status is None and r.email_hash not in holds]
    released = [r for r, status in candidates if status == "deferred" and r.email_hash not in holds]
    claimed = set(
        await insert_ignore_returning(
            session,
            SurveyInvitation,
            [_invitation(task, r.id, "invited", invited_at=mail.now) for r in fresh],
            SurveyInvitation.respondent_id,
        )
    )
    claimed |= await _release(session, task, [r.id for r in released], mail.now)
    await insert_ignore(
        session,
        SurveyInvitation,
        [
            _invitation(task, r.id, "deferred", deferred_until=holds[r.email_hash])
            for r, status in candidates
            if status is None and r.email_hash in holds
        ],
    )
    await _extend_deferrals(
        session, task, {r.id: holds[r.email_hash] for r, s in candidates if s == "deferred" and r.email_hash in holds}
    )
    invitees = [r for r, _ in candidates if r.id in claimed]
    queued = await _queue(session, task, project, invitees, "invitation", key, plan.closes_at, mail)
    return await _report(session, task, key, queued, mail.smtp_configured)


async def _project(session: AsyncSession, project_id: str) -> Project:
    project = await session.get(Project, project_id)
    if project is None:
        raise UnknownProject(f"no project {project_id}")
    return project


async def _mark_open(session: AsyncSession, task: WaveTask, now: datetime) -> bool:
    """Insert or refresh the wave row as open (the plan from the workflow wins); False if closed."""
    plan = task.plan
    values: dict[str, Any] = {
        "offset": str(plan.offset),
        "due_at": plan.due_at,
        "closes_at": plan.closes_at,
        "reminders_at": [r.isoformat() for r in plan.reminders_at],
        "instrument": task.instrument,
    }
    key = {"project_id": task.project_id, "wave_index": plan.index}
    await insert_ignore(session, SurveyWave, [{**key, **values, "status": "open", "opened_at": now}])
    refreshed = await session.execute(
        update(SurveyWave)
        .where(SurveyWave.project_id == task.project_id, SurveyWave.wave_index == plan.index)
        .where(SurveyWave.status != "closed")
        .values(**values, status="open", opened_at=func.coalesce(SurveyWave.opened_at, now))
        .returning(SurveyWave.wave_index)
    )
    return refreshed.first() is not None


def _eligible() -> ColumnElement[bool]:
    """Respondent may be mailed at all: not opted out, not bounced, address not suppressed."""
    return and_(
        Respondent.opted_out_at.is_(None),
        Respondent.bounced_at.is_(None),
        ~exists().where(SurveySuppression.email_hash == Respondent.email_hash),
    )


async def _fatigue_holds(session: AsyncSession, hashes: Sequence[str], mail: WaveMail) -> dict[str, datetime]:
    """Addresses at or over the cap, each with the moment its count falls below the cap again.

    That moment is when the (count - cap + 1)-th oldest counted e-mail leaves the 30-day window:
    with exactly `cap` e-mails, the oldest one plus 30 days.
    """
    since = mail.now - FATIGUE_WINDOW
    sent: dict[str, list[datetime]] = defaultdict(list)
    for chunk in _chunks(sorted(set(hashes))):
        rows = await session.execute(
            select(OutboxEmail.recipient_hash, OutboxEmail.created_at)
            .where(
                OutboxEmail.kind == "survey",
                OutboxEmail.recipient_hash.in_(chunk),
                OutboxEmail.created_at > since,
                OutboxEmail.status != "cancelled",
            )
            .order_by(OutboxEmail.created_at)
        )
        for digest, created_at in rows.all():
            if digest is not None:
                sent[digest].append(created_at)
    return {
        digest: times[len(times) - mail.fatigue_cap] + FATIGUE_WINDOW
        for digest, times in sent.items()
        if len(times) >= mail.fatigue_cap
    }


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


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


def _this_wave(task: WaveTask) -> ColumnElement[bool]:
    return and_(SurveyInvitation.project_id == task.project_id, SurveyInvitation.wave_index == task.plan.index)


async def _release(session: AsyncSession, task: WaveTask, respondent_ids: Sequence[str], now: datetime) -> set[str]:
    """Turn due deferrals into invitations; returns the ids this call really changed."""
    claimed: set[str] = set()
    for chunk in _chunks(respondent_ids):
        result = await session.execute(
            update(SurveyInvitation)
            .where(_this_wave(task), SurveyInvitation.respondent_id.in_(chunk), SurveyInvitation.status == "deferred")
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
                _this_wave(task),
                SurveyInvitation.respondent_id == respondent_id,
                SurveyInvitation.status == "deferred",
            )
            .values(deferred_until=moment)
        )


# -- remind ----------------------------------------------------------------------------------------


async def remind_wave(session: AsyncSession, task: WaveTask, mail: WaveMail) -> WaveReport:
    """Queue reminder round `task.round` to invitees who have neither answered nor opted out.

    Each reminder carries a fresh token with the wave's expiry (earlier links keep working until
    the wave closes). Over the fatigue cap, a person skips this round. Round n runs at most once
    per person: `reminders` is raised to n in the same transaction as the e-mail.
    """
    if task.round < 1:
        raise ValueError("reminder rounds count from 1")
    key = remind_key(task)
    project = await _project(session, task.project_id)
    wave = await session.get(SurveyWave, (task.project_id, task.plan.index))
    if wave is None or wave.status != "open":
        return await _report(session, task, key, 0, mail.smtp_configured)
    answered = exists().where(
        SurveyResponse.project_id == SurveyInvitation.project_id,
        SurveyResponse.wave_index == SurveyInvitation.wave_index,
        SurveyResponse.respondent_id == SurveyInvitation.respondent_id,
    )
    candidates = list(
        await session.scalars(
            select(Respondent)
            .join(SurveyInvitation, SurveyInvitation.respondent_id == Respondent.id)
            .where(
                _this_wave(task),
                SurveyInvitation.status == "invited",
                SurveyInvitation.reminders < task.round,
                _eligible(),
                ~answered,
            )
            .order_by(Respondent.created_at, Respondent.id)
        )
    )
    holds = await _fatigue_holds(session, [r.email_hash for r in candidates], mail)
    wanted = [r.id for r in candidates if r.email_hash not in holds]
    claimed: set[str] = set()
    for chunk in _chunks(wanted):
        result = await session.execute(
            update(SurveyInvitation)
            .where(_this_wave(task), SurveyInvitation.respondent_id.in_(chunk), SurveyInvitation.reminders < task.round)
            .values(reminders=task.round, last_reminded_at=mail.now)
            .returning(SurveyInvitation.respondent_id)
        )
        claimed.update(result.scalars())
    reminded = [r for r in candidates if r.id in claimed]
    queued = await _queue(session, task, project, reminded, "reminder", key, wave.closes_at, mail)
    return await _report(session, task, key, queued, mail.smtp_configured)


# -- close -----------------------------------------------------------------------------------------


async def close_wave(session: AsyncSession, task: WaveTask, now: datetime, smtp_configured: bool) -> WaveReport:
    """Mark the wave closed (keeping the first closing time) and expire its links now."""
    plan = task.plan
    await insert_ignore(
        session,
        SurveyWave,
        [
            {
                "project_id": task.project_id,
                "wave_index": plan.index,
                "offset": str(plan.offset),
                "due_at": plan.due_at,
                "closes_at": plan.closes_at,
                "reminders_at": [r.isoformat() for r in plan.reminders_at],
                "instrument": task.instrument,
                "status": "closed",
                "closed_at": now,
            }
        ],
    )
    await session.execute(
        update(SurveyWave)
        .where(SurveyWave.project_id == task.project_id, SurveyWave.wave_index == plan.index)
        .values(status="closed", closed_at=func.coalesce(SurveyWave.closed_at, now))
    )
    await session.execute(
        update(SurveyToken)
        .where(
            SurveyToken.project_id == task.project_id,
            SurveyToken.wave_index == plan.index,
            SurveyToken.expires_at > now,
        )
        .values(expires_at=now)
    )
    return await _report(session, task, "", 0, False, deferrals=False)


# -- shared ----------------------------------------------------------------------------------------


async def _queue(
    session: AsyncSession,
    task: WaveTask,
    project: Project,
    respondents: Sequence[Respondent],
    kind: Literal["invitation", "reminder"],
    key: str,
    expires_at: datetime,
    mail: WaveMail,
) -> int:
    """A fresh token and one outbox e-mail per respondent; heartbeats through `mail.progress`."""
    tokens: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    for done, respondent in enumerate(respondents, start=1):
        raw = new_token()
        tokens.append(
            {
                "token_hash": hash_token(raw),
                "respondent_id": respondent.id,
                "project_id": task.project_id,
                "wave_index": task.plan.index,
                "expires_at": expires_at,
                "created_at": mail.now,
            }
        )
        email = mail.render(
            SurveyEmailContext(
                kind=kind,
                round=task.round,
                language=respondent.language,
                recipient_name=respondent.name,
                project_title=project.title,
                timezone=project.timezone,
                closes_at=expires_at,
                instrument=task.instrument,
                link=f"{mail.base_url}/s/{raw}",
                opt_out_link=f"{mail.base_url}/s/{raw}/opt-out",
            )
        )
        emails.append(
            {
                "dedupe_key": f"{key}:{respondent.id}",
                "event_id": key,
                "project_id": task.project_id,
                "audience": "respondent",
                "to_name": respondent.name,
                "to_address": respondent.email,
                "subject": email.subject,
                "body": email.body,
                "created_at": mail.now,
                "status": "queued" if mail.smtp_configured else "held",
                "attempts": 0,
                "kind": "survey",
                "respondent_id": respondent.id,
                "recipient_hash": respondent.email_hash,
            }
        )
        if done % 100 == 0:
            mail.progress(done)
    if tokens:
        await session.execute(insert(SurveyToken), tokens)
    return len(await insert_ignore_returning(session, OutboxEmail, emails, OutboxEmail.id))


async def _report(
    session: AsyncSession, task: WaveTask, key: str, queued: int, smtp_configured: bool, *, deferrals: bool = True
) -> WaveReport:
    """Counts for the wave; `deliver` when e-mails of `key` wait for SMTP (also on a retry whose first
    attempt committed); `deferred_until` the earliest pending deferral, when to call open again."""
    counts = (await wave_counts(session, task.project_id, task.plan.index)).get(task.plan.index, WaveCounts())
    waiting = 0
    if smtp_configured:
        waiting = (
            await session.scalar(
                select(func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.event_id == key, OutboxEmail.status == "queued")
            )
        ) or 0
    deferred_until = None
    if deferrals:
        deferred_until = await session.scalar(
            select(func.min(SurveyInvitation.deferred_until)).where(
                _this_wave(task), SurveyInvitation.status == "deferred"
            )
        )
    return WaveReport(
        counts=counts,
        emails_queued=queued,
        deliver=waiting > 0,
        delivery_key=key,
        deferred_until=deferred_until,
    )
