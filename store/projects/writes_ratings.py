"""A project's outcome ratings, written from its state snapshot (issue 16): intention, partner, museum.

Called where the project's child rows are rewritten (store.projects.writes: the records activity's
batches and `make reconcile`), so the `outcome_rating` table follows the workflow's state like every
other part of the read model. Only a source whose levels differ from the stored ones is rewritten,
so `recorded_at` says when that side last changed its mind (for a reflection: when it was submitted),
not when some later event was recorded. Keys and numbers only: no personal data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.impact import RATING_SOURCES, RatingSource
from domain.outcome_ratings import reflection_ratings
from domain.state import ProjectState
from store.reports.ratings import ratings_of, record_ratings


def ratings_in(snapshot: ProjectState) -> dict[RatingSource, tuple[dict[str, int], datetime]]:
    """Every source's current levels in the snapshot, and when each was given."""
    found = reflection_ratings(snapshot)
    if snapshot.intended_outcomes:
        found["intention"] = (dict(snapshot.intended_outcomes), snapshot.updated_at)
    return found


async def write_project_ratings(session: AsyncSession, snapshot: ProjectState) -> None:
    """Make `outcome_rating` hold the snapshot's levels; a source the snapshot lacks is cleared."""
    wanted = ratings_in(snapshot)
    stored = (await ratings_of(session, [snapshot.project_id])).get(snapshot.project_id, {})
    for source in RATING_SOURCES:
        levels, at = wanted.get(source, ({}, snapshot.updated_at))
        if levels != stored.get(source, {}):
            await record_ratings(session, snapshot.project_id, source, levels, at)
