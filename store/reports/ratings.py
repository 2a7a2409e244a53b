"""Outcome ratings, kept and read: intention, partner and museum levels per project and outcome.

Written where the project's records are written (the records activity, from the workflow's state),
read by the reports. `record_ratings` replaces a source's whole set, so an outcome dropped from a
resubmitted reflection or an edited intention is dropped here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.impact import RATING_SOURCES, RatingSource
from store.in_lists import in_chunks
from store.tables import OutcomeRating


async def record_ratings(
    session: AsyncSession, project_id: str, source: RatingSource, levels: Mapping[str, int], at: datetime
) -> None:
    """Make `levels` the project's ratings from `source` (an empty mapping clears them). The caller commits."""
    await session.execute(
        delete(OutcomeRating).where(OutcomeRating.project_id == project_id, OutcomeRating.source == source)
    )
    session.add_all(
        OutcomeRating(project_id=project_id, source=source, outcome_key=key, level=level, recorded_at=at)
        for key, level in sorted(levels.items())
    )
    await session.flush()


async def ratings_of(
    session: AsyncSession, project_ids: Sequence[str]
) -> dict[str, dict[RatingSource, dict[str, int]]]:
    """Project id -> source -> outcome key -> level, for the given projects; a project without any is absent."""
    found: dict[str, dict[RatingSource, dict[str, int]]] = {}
    sources: dict[str, RatingSource] = {s: s for s in RATING_SOURCES}
    for chunk in in_chunks(sorted(set(project_ids))):
        rows = await session.execute(
            select(OutcomeRating.project_id, OutcomeRating.source, OutcomeRating.outcome_key, OutcomeRating.level)
            .where(OutcomeRating.project_id.in_(chunk))
            .order_by(OutcomeRating.project_id, OutcomeRating.source, OutcomeRating.outcome_key)
        )
        for project_id, source, key, level in rows.all():
            found.setdefault(project_id, {}).setdefault(sources[source], {})[key] = int(level)
    return found
