"""The weekly digest activity: one calm e-mail per staff member about what on their projects needs them.

`queue_weekly_digest` is WeeklyDigestWorkflow's first step, run every Monday morning by the
`engage-weekly-digest` Schedule. For each active staff or admin account (not removed, not erased) it
gathers, from the read model's grouped queries (store.reports.digest_reads), on the projects that
person leads (`project.lead_email` equal to the account's address, trimmed and lower-cased):
- milestones submitted and waiting for review;
- milestones overdue;
- follow-up survey waves opening in the next 7 days (asked of each follow-up project's
  FollowUpWorkflow, which holds the waves not yet sent; the read model records a wave once it opens);
- the response rates of open waves (answered of invited, as the follow-up report counts them).
Admins also hear of waiting and overdue milestones on projects whose lead matches no staff account
(nobody else would). Nothing to say: no e-mail. People prefer no mail to an empty one, and a digest
that arrives only when something needs you is one people read.

Each e-mail is queued in the outbox (kind `account`: it is about the person's own account, like a
sign-in link; audience `staff`) under the dedupe key `digest:<account id>:<ISO week>`, so a retried
activity or a second run in the same week queues nothing new; the workflow then has `deliver_emails`
send the week's rows. Logs carry counts and the week only, never a name, address or title.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from activities.rendering import TEMPLATES, format_when
from activities.settings import ActivitySettings
from domain.digest import DEFAULT_DIGEST_TIMEZONE, DigestRequest, DigestResult, digest_dedupe_key, digest_event_id
from domain.digest import iso_week as week_of
from domain.follow_up import FollowUpState, WaveStatus
from store.hashing import email_hash
from store.outbox import RenderedEmail
from store.people.suppressed import without_erased
from store.reports import digest_reads as reads
from store.reports.digest_reads import FollowUpProject, MilestoneItem, StaffAccount, WaveItem
from store.tables import OutboxEmail
from store.upserts import insert_ignore
from workflows.naming import follow_up_workflow_id

#: How far ahead "waves opening this week" looks.
LOOK_AHEAD = timedelta(days=7)
#: FollowUpWorkflow queries in flight at once (each a round trip, perhaps a replay on the worker).
QUERIES_AT_ONCE = 16
FOLDER = TEMPLATES.parent / "digest_templates"
_OFFSET = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_UNITS = ("year", "month", "week", "day")

UpcomingWaves = Callable[[Sequence[FollowUpProject], datetime, datetime], Awaitable[list[WaveItem]]]


@dataclass
class Digest:
    """What one person's e-mail says; empty means no e-mail."""

    account: StaffAccount
    waiting: list[MilestoneItem] = field(default_factory=list)
    overdue: list[MilestoneItem] = field(default_factory=list)
    unassigned: list[tuple[MilestoneItem, str]] = field(default_factory=list)
    opening: list[WaveItem] = field(default_factory=list)
    open_waves: list[WaveItem] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.waiting or self.overdue or self.unassigned or self.opening or self.open_waves)


def share_out(
    staff: Sequence[StaffAccount],
    waiting: Sequence[MilestoneItem],
    overdue: Sequence[MilestoneItem],
    opening: Sequence[WaveItem],
    open_waves: Sequence[WaveItem],
) -> list[Digest]:
    """Each person's digest: the items on the projects they lead; admins also the unled ones."""
    digests = [Digest(account) for account in staff]
    by_lead: dict[str, list[Digest]] = {}
    for digest in digests:
        by_lead.setdefault(digest.account.lead_key, []).append(digest)
    admins = [d for d in digests if d.account.role == "admin"]
    for item in waiting:
        for d in by_lead.get(item.lead_key, []):
            d.waiting.append(item)
        if item.lead_key not in by_lead:
            for d in admins:
                d.unassigned.append((item, "waiting for review"))
    for item in overdue:
        for d in by_lead.get(item.lead_key, []):
            d.overdue.append(item)
        if item.lead_key not in by_lead:
            for d in admins:
                d.unassigned.append((item, "overdue"))
    for wave in opening:
        for d in by_lead.get(wave.lead_key, []):
            d.opening.append(wave)
    for wave in open_waves:
        for d in by_lead.get(wave.lead_key, []):
            d.open_waves.append(wave)
    return digests


def offset_words(offset: str) -> str:
    """P3M -> "3-month", P1Y -> "1-year", P0D -> "end-of-project": how staff name a wave."""
    found = _OFFSET.match(offset)
    if found is None:
        return offset
    parts = [f"{n}-{unit}" for n, unit in zip(found.groups(), _UNITS, strict=True) if n and int(n)]
    return " ".join(parts) if parts else "end-of-project"


class DigestRenderer:
    """The digest's text from `digest_templates/weekly_digest.txt`; links start at `base_url`."""

    def __init__(self, base_url: str, timezone: str = DEFAULT_DIGEST_TIMEZONE) -> None:
        self._base_url = base_url.rstrip("/")
        self._zone = ZoneInfo(timezone)
        self._environment = Environment(
            loader=FileSystemLoader(FOLDER),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text mail
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def __call__(self, digest: Digest, now: datetime) -> RenderedEmail:
        text = self._environment.get_template("weekly_digest.txt").render(self.variables(digest, now))
        first, _, rest = text.partition("\n")
        return RenderedEmail(subject=" ".join(first.removeprefix("Subject:").split()), body=rest.strip("\n") + "\n")

    def variables(self, digest: Digest, now: datetime) -> dict[str, Any]:
        return {
            "recipient_name": digest.account.name,
            "as_of": format_when(now, self._zone),
            "summary": _summary(digest),
            "waiting": [self._milestone(m) for m in digest.waiting],
            "overdue": [self._milestone(m) for m in digest.overdue],
            "unassigned": [self._milestone(m) | {"what": what} for m, what in digest.unassigned],
            "opening": [self._wave(w, f"/projects/{w.project_id}/follow-up") for w in digest.opening],
            "open_waves": [self._wave(w, f"/projects/{w.project_id}/follow-up") for w in digest.open_waves],
        }

    def _when(self, moment: datetime | None) -> str:
        return format_when(moment, self._zone) if moment is not None else "with no date"

    def _milestone(self, item: MilestoneItem) -> dict[str, str]:
        return {
            "project": item.project_title,
            "milestone": item.milestone_title,
            "due": self._when(item.due_at),
            "link": f"{self._base_url}/projects/{item.project_id}",
        }

    def _wave(self, wave: WaveItem, path: str) -> dict[str, Any]:
        counts = wave.counts
        invited = counts.invited if counts else 0
        answered = counts.answered if counts else 0
        return {
            "project": wave.project_title,
            "offset": offset_words(wave.offset),
            "due": self._when(wave.due_at),
            "closes": self._when(wave.closes_at) if wave.closes_at else "",
            "invited": invited,
            "answered": answered,
            "rate": f"{round(100 * answered / invited)}%" if invited else "no one invited yet",
            "link": f"{self._base_url}{path}",
        }


def _summary(digest: Digest) -> str:
    parts = [
        (len(digest.waiting), "to review"),
        (len(digest.overdue), "overdue"),
        (len(digest.unassigned), "with no lead"),
        (len(digest.opening), "survey opening" if len(digest.opening) == 1 else "surveys opening"),
        (len(digest.open_waves), "survey open" if len(digest.open_waves) == 1 else "surveys open"),
    ]
    return ", ".join(f"{n} {words}" for n, words in parts if n)


async def query_follow_ups(projects: Sequence[FollowUpProject], start: datetime, end: datetime) -> list[WaveItem]:
    """Waves still scheduled with a due date in [start, end), from each project's FollowUpWorkflow
    (its `status` query), `QUERIES_AT_ONCE` at a time: follow-up lasts years, so hundreds of projects
    may be in it, and a query to a run the worker no longer caches costs a replay. A project whose
    follow-up has no run, or cannot answer, is left out: the digest is a nudge, and next week asks again."""
    client = activity.client()
    gate = asyncio.Semaphore(QUERIES_AT_ONCE)

    async def ask(project: FollowUpProject) -> list[WaveItem]:
        async with gate:
            try:
                state = await client.get_workflow_handle(follow_up_workflow_id(project.project_id)).query(
                    "status", result_type=FollowUpState
                )
            except (RPCError, WorkflowQueryFailedError):
                return []
        return [
            WaveItem(
                project.project_id,
                project.project_title,
                project.lead_key,
                wave.plan.index,
                str(wave.plan.offset),
                wave.plan.due_at,
                wave.plan.closes_at,
            )
            for wave in state.waves
            if wave.status is WaveStatus.SCHEDULED and start <= wave.plan.due_at < end
        ]

    return [wave for waves in await asyncio.gather(*(ask(p) for p in projects)) for wave in waves]


class DigestActivities:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: ActivitySettings,
        *,
        upcoming: UpcomingWaves = query_follow_ups,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._upcoming = upcoming
        self._clock = clock
        self._render = DigestRenderer(settings.base_url)

    @activity.defn(name="queue_weekly_digest")
    async def queue_weekly_digest(self, request: DigestRequest) -> DigestResult:
        """Queue this week's digest for every staff member with something to hear (once each)."""
        week = week_of(request.now)
        event_id = digest_event_id(week)
        digests = [d for d in await self._digests(request.now) if not d.is_empty()]
        rows = [self._row(d, week, event_id, request.now) for d in digests]
        async with self._sessionmaker.begin() as session:
            rows = await without_erased(session, rows)
            queued = await insert_ignore(session, OutboxEmail, rows) if rows else 0
            waiting = await session.scalar(
                select(func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.event_id == event_id, OutboxEmail.status == "queued")
            )
        activity.logger.info("weekly digest queued", extra={"week": week, "recipients": len(rows), "queued": queued})
        return DigestResult(
            week=week, event_id=event_id, recipients=len(rows), queued=queued, awaiting_delivery=int(waiting or 0)
        )

    async def _digests(self, now: datetime) -> list[Digest]:
        async with self._sessionmaker() as session:
            staff = await reads.active_staff(session)
            waiting = await reads.awaiting_review(session)
            overdue = await reads.overdue(session, now)
            open_waves = await reads.open_waves(session)
            recorded = await reads.waves_recorded_as_due(session, now, now + LOOK_AHEAD)
            follow_ups = await reads.in_follow_up(session, [s.lead_key for s in staff])
        asked = await self._upcoming(follow_ups, now, now + LOOK_AHEAD)
        seen = {(w.project_id, w.wave_index) for w in recorded}
        opening = sorted(
            [*recorded, *(w for w in asked if (w.project_id, w.wave_index) not in seen)],
            key=lambda w: (w.due_at, w.project_id, w.wave_index),
        )
        return share_out(staff, waiting, overdue, opening, open_waves)

    def _row(self, digest: Digest, week: str, event_id: str, now: datetime) -> dict[str, Any]:
        email = self._render(digest, now)
        return {
            "dedupe_key": digest_dedupe_key(digest.account.id, week),
            "event_id": event_id,
            "project_id": None,
            "kind": "account",
            "audience": "staff",
            "to_name": digest.account.name,
            "to_address": digest.account.email,
            "subject": email.subject,
            "body": email.body,
            "created_at": self._clock(),
            "status": "queued" if self._settings.smtp_configured else "held",
            "attempts": 0,
            "recipient_hash": email_hash(digest.account.email),
        }
