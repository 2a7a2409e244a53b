"""Retention, read: whose personal data has outlived its period, and the runs recorded so far.

The clocks (domain.retention says why these):
- respondents: their project ended (a terminal stage) with every survey wave closed; the clock is the
  last wave's `closed_at`, or for a project that ended before any wave opened, the time of the event
  that ended it (closed, withdrawn, declined). A project still in follow-up is never touched: its later
  waves live only in FollowUpWorkflow until they open, so "every recorded wave closed" alone would not do.
- applicants: `status` unsuccessful, in a programme whose `unsuccessful_applicants_told` event (the
  workflow's time of telling them) is older than the cut-off. Not the programme row's `updated_at`,
  which moves with every later placement event.

Rows already scrubbed (`email_hash` starting `erased:`, store.people.erasure's mark) are left out, so a
second run finds nothing. Candidates come in pages ordered by id after a given id (keyset), so a run
visits each row once however the scrub answers. Functions only read; they never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import EventType
from domain.exchange_messages import ExchangeEventType
from domain.lifecycle import TERMINAL_STAGES
from store.paging import count_rows
from store.people.erasure import ERASED_HASH_PREFIX
from store.tables import (
    Event,
    ExchangeApplication,
    ExchangeEventRow,
    Project,
    Respondent,
    RetentionRun,
    SurveyWave,
)

_ENDING_EVENTS = (EventType.PROJECT_CLOSED, EventType.PROJECT_WITHDRAWN, EventType.PROJECT_DECLINED)


def _projects_past(cutoff: datetime) -> Select[str]:
    """Ids of the projects whose follow-up is over and whose clock started before `cutoff`."""
    waves = (
        select(
            SurveyWave.project_id.label("project_id"),
            func.max(SurveyWave.closed_at).label("last_closed_at"),
            func.sum(case((SurveyWave.status != "closed", 1), else_=0)).label("not_closed"),
        )
        .group_by(SurveyWave.project_id)
        .subquery()
    )
    ended = (
        select(Event.project_id.label("project_id"), func.max(Event.occurred_at).label("ended_at"))
        .where(Event.type.in_([e.value for e in _ENDING_EVENTS]))
        .group_by(Event.project_id)
        .subquery()
    )
    clock = func.coalesce(waves.c.last_closed_at, ended.c.ended_at)
    return (
        select(Project.id)
        .outerjoin(waves, waves.c.project_id == Project.id)
        .outerjoin(ended, ended.c.project_id == Project.id)
        .where(
            Project.stage.in_([s.value for s in TERMINAL_STAGES]),
            func.coalesce(waves.c.not_closed, 0) == 0,
            clock < cutoff,
        )
    )


async def expired_respondents(session: AsyncSession, cutoff: datetime, *, after: str, limit: int) -> list[str]:
    """Up to `limit` ids (> `after`, in order) of respondents not yet scrubbed whose period is over."""
    rows = await session.scalars(
        select(Respondent.id)
        .where(
            Respondent.project_id.in_(_projects_past(cutoff)),
            Respondent.email_hash.not_like(f"{ERASED_HASH_PREFIX}%"),
            Respondent.id > after,
        )
        .order_by(Respondent.id)
        .limit(limit)
    )
    return list(rows)


async def expired_applications(session: AsyncSession, cutoff: datetime, *, after: str, limit: int) -> list[str]:
    """Up to `limit` ids (> `after`, in order) of unsuccessful applications not yet scrubbed whose
    applicants were told longer ago than `cutoff`."""
    told = (
        select(ExchangeEventRow.year)
        .where(ExchangeEventRow.type == ExchangeEventType.UNSUCCESSFUL_APPLICANTS_TOLD.value)
        .group_by(ExchangeEventRow.year)
        .having(func.max(ExchangeEventRow.occurred_at) < cutoff)
    )
    rows = await session.scalars(
        select(ExchangeApplication.id)
        .where(
            ExchangeApplication.status == "unsuccessful",
            ExchangeApplication.year.in_(told),
            ExchangeApplication.email_hash.not_like(f"{ERASED_HASH_PREFIX}%"),
            ExchangeApplication.id > after,
        )
        .order_by(ExchangeApplication.id)
        .limit(limit)
    )
    return list(rows)


async def list_runs(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[RetentionRun], int]:
    """Retention runs, newest first (ties by id), with the total."""
    total = await count_rows(session, select(RetentionRun))
    rows = await session.scalars(
        select(RetentionRun)
        .order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total
