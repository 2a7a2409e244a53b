"""Reads for one project's impact report (api.reports.project_report): read-only, one small query each.

The rest of what the report needs is read where it already lives: the project's state (api.temporal_calls,
the live workflow or the read model's snapshot), waves and answers (store.surveys.reads_reports),
partner names (store.partners.reads) and outcome ratings (store.reports.ratings).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import ExchangePlacement, Respondent


async def respondents_registered(session: AsyncSession, project_id: str) -> int:
    """How many people are registered for the project's follow-up surveys (one row per person and project,
    whatever they answered; people erased since are no longer counted, their rows being gone)."""
    count = await session.scalar(
        select(func.count()).select_from(Respondent).where(Respondent.project_id == project_id)
    )
    return int(count or 0)


async def case_study_placement(session: AsyncSession, project_id: str) -> ExchangePlacement | None:
    """The Knowledge Exchange placement this project is, if staff marked it a case study (else None).

    A placement's id is its project's id (store.tables.exchange); other projects have no case study."""
    placement = await session.get(ExchangePlacement, project_id)
    return placement if placement is not None and placement.case_study else None
