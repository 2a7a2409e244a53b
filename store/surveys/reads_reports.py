"""Follow-up surveys, read: counts per wave, the staff report and the CSV export.

`wave_counts` is shared so the workflow (through the wave activities) and the staff report count the
same way. Functions only read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.follow_up import WaveCounts
from store.in_lists import in_chunks
from store.tables import Respondent, SurveyInvitation, SurveyResponse, SurveySuppression, SurveyWave


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def wave_counts(session: AsyncSession, project_id: str, wave_index: int | None = None) -> dict[int, WaveCounts]:
    """Counts per wave, over the respondents with an invitation row for it (invited or deferred).

    invited: invitations sent; reminded: of those, reminded at least once; answered: responses;
    opted_out / bounced: invitees now opted out (here or everywhere) / bounced; deferred: held back
    by the fatigue cap. One grouped query over the invitation primary key.
    """
    statement = _wave_counts_statement().where(SurveyInvitation.project_id == project_id)
    if wave_index is not None:
        statement = statement.where(SurveyInvitation.wave_index == wave_index)
    return {index: counts for (_, index), counts in (await _wave_counts(session, statement)).items()}


async def wave_counts_for(session: AsyncSession, waves: Sequence[tuple[str, int]]) -> dict[tuple[str, int], WaveCounts]:
    """`wave_counts` of many projects' waves at once, keyed by (project id, wave index): one grouped
    query per `IN_LIST_SIZE` projects (the worker opens the waves due together in one go)."""
    wanted = set(waves)
    counts: dict[tuple[str, int], WaveCounts] = {}
    project_ids = sorted({project_id for project_id, _ in wanted})
    indexes = sorted({index for _, index in wanted})
    for chunk in in_chunks(project_ids):
        statement = _wave_counts_statement().where(
            SurveyInvitation.project_id.in_(chunk),
            SurveyInvitation.wave_index.in_(indexes),
        )
        counts.update((key, c) for key, c in (await _wave_counts(session, statement)).items() if key in wanted)
    return counts


def _wave_counts_statement() -> Select[*tuple[Any, ...]]:
    opted = or_(Respondent.opted_out_at.is_not(None), SurveySuppression.reason == "opted_out_everywhere")
    bounced = or_(Respondent.bounced_at.is_not(None), SurveySuppression.reason == "bounced")
    return (
        select(
            SurveyInvitation.project_id,
            SurveyInvitation.wave_index,
            _count(SurveyInvitation.status == "invited"),
            _count(SurveyInvitation.reminders > 0),
            _count(SurveyResponse.id.is_not(None)),
            _count(opted),
            _count(bounced),
            _count(SurveyInvitation.status == "deferred"),
        )
        .join(Respondent, Respondent.id == SurveyInvitation.respondent_id)
        .outerjoin(SurveySuppression, SurveySuppression.email_hash == Respondent.email_hash)
        .outerjoin(
            SurveyResponse,
            and_(
                SurveyResponse.project_id == SurveyInvitation.project_id,
                SurveyResponse.wave_index == SurveyInvitation.wave_index,
                SurveyResponse.respondent_id == SurveyInvitation.respondent_id,
            ),
        )
        .group_by(SurveyInvitation.project_id, SurveyInvitation.wave_index)
    )


async def _wave_counts(session: AsyncSession, statement: Select[*tuple[Any, ...]]) -> dict[tuple[str, int], WaveCounts]:
    counts: dict[tuple[str, int], WaveCounts] = {}
    for project_id, index, invited, reminded, answered, opted_out, bounced, deferred in (
        await session.execute(statement)
    ).all():
        counts[(str(project_id), int(index))] = WaveCounts(
            invited=int(invited),
            reminded=int(reminded),
            answered=int(answered),
            opted_out=int(opted_out),
            bounced=int(bounced),
            deferred=int(deferred),
        )
    return counts


@dataclass(frozen=True)
class WaveSummary:
    """One row of the staff report (GET /api/v1/projects/{id}/follow-up)."""

    wave_index: int
    offset: str
    instrument: str
    due_at: datetime
    closes_at: datetime
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    counts: WaveCounts

    @property
    def response_rate(self) -> float:
        return self.counts.response_rate


async def wave_report(session: AsyncSession, project_id: str) -> list[WaveSummary]:
    """Every wave the worker has recorded for the project (opened or closed), by index, with counts.

    Waves still only scheduled live in FollowUpWorkflow's state until they open.
    """
    waves = await session.scalars(
        select(SurveyWave).where(SurveyWave.project_id == project_id).order_by(SurveyWave.wave_index)
    )
    counts = await wave_counts(session, project_id)
    return [
        WaveSummary(
            wave_index=w.wave_index,
            offset=w.offset,
            instrument=w.instrument,
            due_at=w.due_at,
            closes_at=w.closes_at,
            status=w.status,
            opened_at=w.opened_at,
            closed_at=w.closed_at,
            counts=counts.get(w.wave_index, WaveCounts()),
        )
        for w in waves
    ]


@dataclass(frozen=True)
class ResponseRow:
    """One answer for the CSV export: pseudonymous (respondent id and role, no name or address)."""

    wave_index: int
    respondent_id: str
    role: str
    instrument: str
    language: str
    submitted_at: datetime
    answers: dict[str, Any]


async def responses_for_csv(session: AsyncSession, project_id: str) -> list[ResponseRow]:
    """Every response of the project, by wave then submission time."""
    rows = await session.execute(
        select(SurveyResponse, Respondent.role)
        .join(Respondent, Respondent.id == SurveyResponse.respondent_id)
        .where(SurveyResponse.project_id == project_id)
        .order_by(SurveyResponse.wave_index, SurveyResponse.submitted_at, SurveyResponse.id)
    )
    return [response_row(r, role) for r, role in rows.all()]


def response_row(response: SurveyResponse, role: str) -> ResponseRow:
    """One stored response as a pseudonymous row (the respondent's id and role, never a name)."""
    return ResponseRow(
        wave_index=response.wave_index,
        respondent_id=response.respondent_id,
        role=role,
        instrument=response.instrument,
        language=response.language,
        submitted_at=response.submitted_at,
        answers=dict(response.answers),
    )
