"""Follow-up survey waves, written: the e-mails and tokens a wave call queues, and the report it returns.

Raw tokens exist only in memory and, sealed (store.link_seal), in `outbox_email.sealed_link` until the
e-mail is sent; the readable body says `[personal survey link]`; token rows keep their sha256. Rendering is
injected (`SurveyRenderer`) like store.projects.writes_mail's `EmailRenderer`. No addresses, names,
tokens or answers in log lines. Runs in the caller's transaction; never commits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, and_, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.follow_up import WaveCounts, WaveReport, WaveTask
from store.hashing import hash_token, new_token
from store.in_lists import in_chunks
from store.link_seal import OPT_OUT_LINK, SURVEY_LINK, LinkSeal, process_seal
from store.outbox import RenderedEmail
from store.surveys.reads_reports import wave_counts_for
from store.tables import (
    OutboxEmail,
    Project,
    Respondent,
    SurveyInvitation,
    SurveySuppression,
    SurveyToken,
)
from store.upserts import insert_ignore_returning


@dataclass(frozen=True)
class SurveyEmailContext:
    """Everything a survey e-mail may say. `link` and `opt_out_link` are the placeholders staff read
    (store.link_seal); delivery puts the respondent's own links in their place."""

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
    """What a wave call needs besides the task: rendering, links, clock, cap, SMTP switch, and the
    seal for personal links (ENGAGE_OUTBOX_KEY; unset: this process's own key)."""

    render: SurveyRenderer
    base_url: str
    now: datetime
    fatigue_cap: int
    smtp_configured: bool
    progress: Progress = lambda _done: None
    seal: LinkSeal = field(default_factory=process_seal)


def invite_key(task: WaveTask) -> str:
    return f"followup/{task.project_id}:w{task.plan.index}:invite"


def remind_key(task: WaveTask) -> str:
    return f"followup/{task.project_id}:w{task.plan.index}:r{task.round}"


#: One wave to open: the workflow's task and how its e-mails are made (with its own clock).
WaveOpening = tuple[WaveTask, WaveMail]


WaveKey = tuple[str, int]  # (project id, wave index)


def wave_key(task: WaveTask) -> WaveKey:
    return (task.project_id, task.plan.index)


@dataclass(frozen=True)
class ProjectMailing:
    """What an e-mail says about its project."""

    title: str
    timezone: str


async def project_mailings(session: AsyncSession, project_ids: set[str]) -> dict[str, ProjectMailing]:
    found: dict[str, ProjectMailing] = {}
    for chunk in in_chunks(sorted(project_ids)):
        rows = await session.execute(select(Project.id, Project.title, Project.timezone).where(Project.id.in_(chunk)))
        found.update((project_id, ProjectMailing(title, timezone)) for project_id, title, timezone in rows.all())
    missing = sorted(project_ids - set(found))
    if missing:
        raise UnknownProject(f"no project {missing[0]}")
    return found


async def recent_survey_mail(
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


def eligible() -> ColumnElement[bool]:
    """Respondent may be mailed at all: not opted out, not bounced, address not suppressed."""
    return and_(
        Respondent.opted_out_at.is_(None),
        Respondent.bounced_at.is_(None),
        ~exists().where(SurveySuppression.email_hash == Respondent.email_hash),
    )


def this_wave(task: WaveTask) -> ColumnElement[bool]:
    return and_(SurveyInvitation.project_id == task.project_id, SurveyInvitation.wave_index == task.plan.index)


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
class Outgoing:
    """One wave's e-mails of one kind: who gets them, under which outbox key, valid until when."""

    task: WaveTask
    project: ProjectMailing
    recipients: Sequence[_Recipient]
    kind: Literal["invitation", "reminder"]
    key: str
    expires_at: datetime
    mail: WaveMail


async def queue_wave_mail(session: AsyncSession, outgoing: Sequence[Outgoing]) -> dict[WaveKey, int]:
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
                    link=SURVEY_LINK,
                    opt_out_link=OPT_OUT_LINK,
                )
            )
            dedupe_key = f"{out.key}:{respondent.id}"
            emails.append(
                {
                    "dedupe_key": dedupe_key,
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
                    "sealed_link": mail.seal.seal(f"{mail.base_url}/s/{raw}", dedupe_key),
                }
            )
            if done % 100 == 0:
                mail.progress(done)
    if tokens:
        await session.execute(insert(SurveyToken), tokens)
    written = Counter(await insert_ignore_returning(session, OutboxEmail, emails, OutboxEmail.event_id))
    return {wave_key(out.task): written[out.key] for out in outgoing}


#: A wave to report on: its task, its delivery key, e-mails this call queued, whether SMTP is on.
_ReportItem = tuple[WaveTask, str, int, bool]


async def wave_reports(
    session: AsyncSession, items: Sequence[_ReportItem], *, deferrals: bool = True
) -> list[WaveReport]:
    """Counts for each wave; `deliver` when e-mails of its key wait for SMTP (also on a retry whose first
    attempt committed); `deferred_until` the earliest pending deferral, when to call open again.
    A few grouped queries for all the waves together."""
    waves = [wave_key(task) for task, *_ in items]
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
            counts=counts.get(wave_key(task), WaveCounts()),
            emails_queued=queued,
            deliver=smtp and waiting.get(key, 0) > 0,
            delivery_key=key,
            deferred_until=earliest.get(wave_key(task)) if deferrals else None,
        )
        for task, key, queued, smtp in items
    ]
