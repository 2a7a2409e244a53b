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
fatigue cap. The cap is a rule of domain.fatigue (`fatigue_holds`); here we only fetch when each
address was sent survey mail (the outbox, by `recipient_hash`, across projects) and apply its answer:
a held invitation is deferred until the moment it gives, a held reminder round is skipped.

Raw tokens exist only in memory and in the rendered e-mail body; rows keep their sha256.
Rendering is injected (`SurveyRenderer`) like store.records' `EmailRenderer`. No addresses, names,
tokens or answers in log lines.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fatigue import counting_since, fatigue_holds
from domain.follow_up import WaveCounts, WaveReport, WaveTask
from store.in_lists import in_chunks
from store.records import RenderedEmail
from store.surveys import hash_token, new_token, wave_counts_for
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
from store.upserts import insert_for, insert_ignore, insert_ignore_returning

T = TypeVar("T")


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

#: One wave to open: the workflow's task and how its e-mails are made (with its own clock).
WaveOpening = tuple[WaveTask, WaveMail]
WaveKey = tuple[str, int]  # (project id, wave index)


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
    return _first_fit(range(len(openings)), lambda i: {_key(openings[i][0])})


def _first_fit(items: Iterable[T], keys: Callable[[T], set[Hashable]]) -> list[list[T]]:
    """`items` in groups, in order, no key shared within a group: each joins the first it fits."""
    groups: list[tuple[list[T], set[Hashable]]] = []
    for item in items:
        mine = keys(item)
        group = next((g for g in groups if not mine & g[1]), None)
        if group is None:
            group = ([], set())
            groups.append(group)
        group[0].append(item)
        group[1].update(mine)
    return [members for members, _ in groups]


async def _open_distinct(session: AsyncSession, openings: Sequence[WaveOpening]) -> list[WaveReport]:
    projects = await _projects(session, {task.project_id for task, _ in openings})
    still_open = await _mark_open(session, openings)
    live = [(task, mail) for task, mail in openings if _key(task) in still_open]
    candidates = await _candidates(session, live)
    queued: dict[WaveKey, int] = {}
    for round_ in _rounds(live, candidates):
        queued.update(await _invite(session, round_, candidates, projects))
    return await _reports(
        session, [(task, invite_key(task), queued.get(_key(task), 0), mail.smtp_configured) for task, mail in openings]
    )


def _key(task: WaveTask) -> WaveKey:
    return (task.project_id, task.plan.index)


@dataclass(frozen=True)
class _ProjectMailing:
    """What an e-mail says about its project."""

    title: str
    timezone: str


async def _projects(session: AsyncSession, project_ids: set[str]) -> dict[str, _ProjectMailing]:
    found: dict[str, _ProjectMailing] = {}
    for chunk in in_chunks(sorted(project_ids)):
        rows = await session.execute(select(Project.id, Project.title, Project.timezone).where(Project.id.in_(chunk)))
        found.update((project_id, _ProjectMailing(title, timezone)) for project_id, title, timezone in rows.all())
    missing = sorted(project_ids - set(found))
    if missing:
        raise UnknownProject(f"no project {missing[0]}")
    return found


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
            "instrument": new.instrument,
            "status": "open",
            "opened_at": func.coalesce(SurveyWave.opened_at, new.opened_at),
        },
        where=SurveyWave.status != "closed",
    ).returning(SurveyWave.project_id, SurveyWave.wave_index)
    result = await session.execute(statement, rows)
    return {(str(project_id), int(index)) for project_id, index in result.all()}


async def _candidates(session: AsyncSession, openings: Sequence[WaveOpening]) -> dict[WaveKey, list[_Candidate]]:
    """Per wave, the eligible respondents never invited to it or deferred until now, oldest first."""
    found: dict[WaveKey, list[_Candidate]] = {_key(task): [] for task, _ in openings}
    now_of = {_key(task): mail.now for task, mail in openings}
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
                    _eligible(),
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
    return _first_fit(openings, lambda opening: {c.email_hash for c in candidates[_key(opening[0])]})


async def _invite(
    session: AsyncSession,
    openings: Sequence[WaveOpening],
    candidates: dict[WaveKey, list[_Candidate]],
    projects: dict[str, _ProjectMailing],
) -> dict[WaveKey, int]:
    """Invite one round's candidates (no address shared between its waves); e-mails queued per wave."""
    sent = await _recent_survey_mail(
        session,
        [c.email_hash for task, _ in openings for c in candidates[_key(task)]],
        since=counting_since(min((mail.now for _, mail in openings), default=datetime.max)),
    )
    fresh_rows: list[dict[str, Any]] = []
    deferred_rows: list[dict[str, Any]] = []
    holds_of: dict[WaveKey, dict[str, datetime]] = {}
    for task, mail in openings:
        wave = candidates[_key(task)]
        holds = holds_of[_key(task)] = fatigue_holds(sent, now=mail.now, cap=mail.fatigue_cap)
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
    outgoing: list[_Outgoing] = []
    for task, mail in openings:
        wave, holds = candidates[_key(task)], holds_of[_key(task)]
        released = [c.id for c in wave if c.status == "deferred" and c.email_hash not in holds]
        claimed |= await _release(session, task, released, mail.now)
        await _extend_deferrals(
            session, task, {c.id: holds[c.email_hash] for c in wave if c.status == "deferred" and c.email_hash in holds}
        )
        invitees = [c for c in wave if c.id in claimed]
        project = projects[task.project_id]
        outgoing.append(_Outgoing(task, project, invitees, "invitation", invite_key(task), task.plan.closes_at, mail))
    return await _queue(session, outgoing)


async def _recent_survey_mail(
    session: AsyncSession, hashes: Sequence[str], *, since: datetime
) -> dict[str, list[datetime]]:
    """When each address was sent a survey e-mail after `since` (any project), oldest first."""
    sent: dict[str, list[datetime]] = defaultdict(list)
    for chunk in in_chunks(sorted(set(hashes))):
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
    return sent


def _eligible() -> ColumnElement[bool]:
    """Respondent may be mailed at all: not opted out, not bounced, address not suppressed."""
    return and_(
        Respondent.opted_out_at.is_(None),
        Respondent.bounced_at.is_(None),
        ~exists().where(SurveySuppression.email_hash == Respondent.email_hash),
    )


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
    for chunk in in_chunks(respondent_ids):
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
    project = (await _projects(session, {task.project_id}))[task.project_id]
    wave = await session.get(SurveyWave, (task.project_id, task.plan.index))
    if wave is None or wave.status != "open":
        return (await _reports(session, [(task, key, 0, mail.smtp_configured)]))[0]
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
    sent = await _recent_survey_mail(session, [r.email_hash for r in candidates], since=counting_since(mail.now))
    holds = fatigue_holds(sent, now=mail.now, cap=mail.fatigue_cap)
    wanted = [r.id for r in candidates if r.email_hash not in holds]
    claimed: set[str] = set()
    for chunk in in_chunks(wanted):
        result = await session.execute(
            update(SurveyInvitation)
            .where(_this_wave(task), SurveyInvitation.respondent_id.in_(chunk), SurveyInvitation.reminders < task.round)
            .values(reminders=task.round, last_reminded_at=mail.now)
            .returning(SurveyInvitation.respondent_id)
        )
        claimed.update(result.scalars())
    reminded = [r for r in candidates if r.id in claimed]
    queued = await _queue(session, [_Outgoing(task, project, reminded, "reminder", key, wave.closes_at, mail)])
    return (await _reports(session, [(task, key, queued.get(_key(task), 0), mail.smtp_configured)]))[0]


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
    return (await _reports(session, [(task, "", 0, False)], deferrals=False))[0]


# -- shared ----------------------------------------------------------------------------------------


class _Recipient(Protocol):
    """A respondent as an e-mail needs them (a `Respondent` row, or an open's candidate)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def email_hash(self) -> str: ...
    @property
    def language(self) -> str: ...


@dataclass(frozen=True)
class _Outgoing:
    """One wave's e-mails of one kind: who gets them, under which outbox key, valid until when."""

    task: WaveTask
    project: _ProjectMailing
    recipients: Sequence[_Recipient]
    kind: Literal["invitation", "reminder"]
    key: str
    expires_at: datetime
    mail: WaveMail


async def _queue(session: AsyncSession, outgoing: Sequence[_Outgoing]) -> dict[WaveKey, int]:
    """A fresh token and one outbox e-mail per recipient, for every wave in one insert each; returns
    the e-mails really queued per wave. Heartbeats through `mail.progress`."""
    tokens: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    for out in outgoing:
        task, mail = out.task, out.mail
        for done, respondent in enumerate(out.recipients, start=1):
            raw = new_token()
            tokens.append(
                {
                    "token_hash": hash_token(raw),
                    "respondent_id": respondent.id,
                    "project_id": task.project_id,
                    "wave_index": task.plan.index,
                    "expires_at": out.expires_at,
                    "created_at": mail.now,
                }
            )
            email = mail.render(
                SurveyEmailContext(
                    kind=out.kind,
                    round=task.round,
                    language=respondent.language,
                    recipient_name=respondent.name,
                    project_title=out.project.title,
                    timezone=out.project.timezone,
                    closes_at=out.expires_at,
                    instrument=task.instrument,
                    link=f"{mail.base_url}/s/{raw}",
                    opt_out_link=f"{mail.base_url}/s/{raw}/opt-out",
                )
            )
            emails.append(
                {
                    "dedupe_key": f"{out.key}:{respondent.id}",
                    "event_id": out.key,
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
    written = Counter(await insert_ignore_returning(session, OutboxEmail, emails, OutboxEmail.event_id))
    return {_key(out.task): written[out.key] for out in outgoing}


#: A wave to report on: its task, its delivery key, e-mails this call queued, whether SMTP is on.
_ReportItem = tuple[WaveTask, str, int, bool]


async def _reports(session: AsyncSession, items: Sequence[_ReportItem], *, deferrals: bool = True) -> list[WaveReport]:
    """Counts for each wave; `deliver` when e-mails of its key wait for SMTP (also on a retry whose first
    attempt committed); `deferred_until` the earliest pending deferral, when to call open again.
    A few grouped queries for all the waves together."""
    waves = [_key(task) for task, *_ in items]
    counts = await wave_counts_for(session, waves)
    waiting: dict[str, int] = {}
    keys = sorted({key for _, key, _, smtp in items if smtp and key})
    for chunk in in_chunks(keys):
        rows = await session.execute(
            select(OutboxEmail.event_id, func.count())
            .where(OutboxEmail.event_id.in_(chunk), OutboxEmail.status == "queued")
            .group_by(OutboxEmail.event_id)
        )
        waiting.update((str(key), int(n)) for key, n in rows.all())
    earliest: dict[WaveKey, datetime] = {}
    if deferrals:
        project_ids = sorted({project_id for project_id, _ in waves})
        for chunk in in_chunks(project_ids):
            minima = await session.execute(
                select(
                    SurveyInvitation.project_id, SurveyInvitation.wave_index, func.min(SurveyInvitation.deferred_until)
                )
                .where(
                    SurveyInvitation.project_id.in_(chunk),
                    SurveyInvitation.wave_index.in_({index for _, index in waves}),
                    SurveyInvitation.status == "deferred",
                )
                .group_by(SurveyInvitation.project_id, SurveyInvitation.wave_index)
            )
            earliest.update(((str(p), int(i)), moment) for p, i, moment in minima.all() if moment is not None)
    return [
        WaveReport(
            counts=counts.get(_key(task), WaveCounts()),
            emails_queued=queued,
            deliver=smtp and waiting.get(key, 0) > 0,
            delivery_key=key,
            deferred_until=earliest.get(_key(task)) if deferrals else None,
        )
        for task, key, queued, smtp in items
    ]
