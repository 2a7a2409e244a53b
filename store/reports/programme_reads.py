"""The Knowledge Exchange programme-year report, read: every answer given to the year's placement surveys,
each with the offset of the wave it answered (P7D, P6M, ...), in a few queries instead of one per placement.

Why its own read: the report groups answers by the *offset* across placements (a placement's wave 1 is
P6M whatever its dates), and `store.surveys.reads_reports.responses_for_csv` answers one project and
knows only the wave index. Rows are pseudonymous (respondent id and role, never a name or address).
Functions only read; they never commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.in_lists import in_chunks
from store.surveys.reads_reports import ResponseRow, response_row
from store.tables import Respondent, SurveyResponse, SurveyWave


async def answers_with_offsets(session: AsyncSession, project_ids: Sequence[str]) -> list[tuple[str, ResponseRow]]:
    """(offset, response) for every response to these projects' follow-up waves, by project, wave and time.

    A response whose wave row is missing (never the case once the worker opened the wave) gets offset "".
    """
    found: list[tuple[str, ResponseRow]] = []
    for chunk in in_chunks(sorted(set(project_ids))):
        rows = await session.execute(
            select(SurveyResponse, Respondent.role, SurveyWave.offset)
            .join(Respondent, Respondent.id == SurveyResponse.respondent_id)
            .outerjoin(
                SurveyWave,
                and_(
                    SurveyWave.project_id == SurveyResponse.project_id,
                    SurveyWave.wave_index == SurveyResponse.wave_index,
                ),
            )
            .where(SurveyResponse.project_id.in_(chunk))
            .order_by(SurveyResponse.project_id, SurveyResponse.wave_index, SurveyResponse.submitted_at)
        )
        for response, role, offset in rows.all():
            found.append((offset or "", response_row(response, role)))
    return found
