"""Reads for the portfolio impact report (`GET /api/v1/reports/impact`): grouped, never one per project.

A portfolio holds thousands of projects, so every read here is one grouped statement over the whole
selection (or one per calendar year, a handful), filtered in SQL by template and partner:
- `project_counts`: projects created in the period, by template and stage (GROUP BY);
- `rating_sums`: the intention, partner and museum levels of those projects, summed and counted per
  source and outcome (GROUP BY), so the mean over the projects that have a level is sum / count;
- `answers_between`: the survey responses submitted in a time range, streamed (their answers are JSON
  documents whose questions map to outcomes through the instruments, which the database cannot read);
- `wave_rates`: invited vs answered per wave offset, over the waves opened in a time range (GROUP BY).
Functions only read. Times are half-open ranges `[start, end)` of timezone-aware datetimes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from store.tables import (
    OutcomeRating,
    Partner,
    Project,
    ProjectPartner,
    SurveyInvitation,
    SurveyResponse,
    SurveyWave,
)

#: Rows fetched per round trip while streaming answers.
STREAM_BATCH = 1000


@dataclass(frozen=True)
class Selection:
    """Which projects the report covers: any template / partner unless one is given."""

    template: str | None = None
    partner_id: str | None = None

    def of(self, project_id: ColumnElement[str] | InstrumentedAttribute[str]) -> list[ColumnElement[bool]]:
        """Conditions on a column holding a project id (as a subquery on `project`, so no join is needed)."""
        conditions: list[ColumnElement[bool]] = []
        if self.template is not None:
            conditions.append(project_id.in_(select(Project.id).where(Project.template_name == self.template)))
        if self.partner_id is not None:
            conditions.append(
                project_id.in_(select(ProjectPartner.project_id).where(ProjectPartner.partner_id == self.partner_id))
            )
        return conditions


async def project_counts(
    session: AsyncSession, selection: Selection, start: datetime, end: datetime
) -> dict[tuple[str, str], int]:
    """(template name, stage) -> projects created in `[start, end)`."""
    rows = await session.execute(
        select(Project.template_name, Project.stage, func.count())
        .where(Project.created_at >= start, Project.created_at < end, *selection.of(Project.id))
        .group_by(Project.template_name, Project.stage)
    )
    return {(str(template), str(stage)): int(n) for template, stage, n in rows.all()}


@dataclass(frozen=True)
class RatingSum:
    """The levels one source gave one outcome, over the projects that have one: mean = total / projects."""

    total: int
    projects: int


async def rating_sums(
    session: AsyncSession, selection: Selection, start: datetime, end: datetime
) -> dict[tuple[str, str], RatingSum]:
    """(source, outcome key) -> the sum and count of levels, over the projects created in `[start, end)`."""
    created = select(Project.id).where(Project.created_at >= start, Project.created_at < end)
    rows = await session.execute(
        select(OutcomeRating.source, OutcomeRating.outcome_key, func.sum(OutcomeRating.level), func.count())
        .where(OutcomeRating.project_id.in_(created), *selection.of(OutcomeRating.project_id))
        .group_by(OutcomeRating.source, OutcomeRating.outcome_key)
    )
    return {
        (str(source), str(key)): RatingSum(total=int(total), projects=int(n)) for source, key, total, n in rows.all()
    }


@dataclass(frozen=True)
class AnswerRow:
    """One response: who (a per-project respondent id, never a name), when, with which instrument, what."""

    respondent_id: str
    instrument: str
    submitted_at: datetime
    answers: dict[str, Any]


async def answers_between(
    session: AsyncSession, selection: Selection, start: datetime, end: datetime
) -> AsyncIterator[list[AnswerRow]]:
    """Every response submitted in `[start, end)` to a selected project, streamed in batches of `STREAM_BATCH`."""
    statement = (
        select(
            SurveyResponse.respondent_id, SurveyResponse.instrument, SurveyResponse.submitted_at, SurveyResponse.answers
        )
        .where(
            SurveyResponse.submitted_at >= start,
            SurveyResponse.submitted_at < end,
            *selection.of(SurveyResponse.project_id),
        )
        .execution_options(yield_per=STREAM_BATCH)
    )
    result = await session.stream(statement)
    # 👉 A batch at a time: awaiting each row of an async stream cost several times the rows themselves.
    async for batch in result.partitions():
        yield [AnswerRow(str(r), str(i), at, a) for r, i, at, a in batch]


@dataclass(frozen=True)
class InvitedAnswered:
    invited: int
    answered: int


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def wave_rates(
    session: AsyncSession, selection: Selection, start: datetime, end: datetime
) -> dict[str, InvitedAnswered]:
    """Wave offset (ISO 8601, e.g. P3M) -> people invited and of them answered, over the waves of selected
    projects opened in `[start, end)`. Invited counts invitations sent (not those the fatigue cap deferred);
    answered counts those invitees' responses to the wave, whenever they came."""
    rows = await session.execute(
        select(
            SurveyWave.offset,
            _count(SurveyInvitation.status == "invited"),
            _count(and_(SurveyInvitation.status == "invited", SurveyResponse.id.is_not(None))),
        )
        .join(
            SurveyInvitation,
            and_(
                SurveyInvitation.project_id == SurveyWave.project_id,
                SurveyInvitation.wave_index == SurveyWave.wave_index,
            ),
        )
        .outerjoin(
            SurveyResponse,
            and_(
                SurveyResponse.project_id == SurveyInvitation.project_id,
                SurveyResponse.wave_index == SurveyInvitation.wave_index,
                SurveyResponse.respondent_id == SurveyInvitation.respondent_id,
            ),
        )
        .where(SurveyWave.opened_at >= start, SurveyWave.opened_at < end, *selection.of(SurveyWave.project_id))
        .group_by(SurveyWave.offset)
    )
    return {str(offset): InvitedAnswered(int(invited), int(answered)) for offset, invited, answered in rows.all()}


async def partner_choices(session: AsyncSession, limit: int = 1000) -> list[tuple[str, str]]:
    """(id, name) of up to `limit` partners by name: the report form's partner filter."""
    rows = await session.execute(select(Partner.id, Partner.name).order_by(Partner.name, Partner.id).limit(limit))
    return [(str(i), str(n)) for i, n in rows.all()]
