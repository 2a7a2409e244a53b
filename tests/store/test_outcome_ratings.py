"""Outcome ratings: a source's set is replaced whole, sources stay apart, projects are read in one go."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.impact import is_level
from store.reports.ratings import ratings_of, record_ratings
from store.tables import OutcomeRating, Project

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _project(project_id: str) -> Project:
    return Project(
        id=project_id,
        workflow_id=f"project-{project_id}",
        template_name="co-curation",
        template_version=1,
        kind="display",
        title="Ratings",
        lead_name="Lead",
        lead_email="lead@example.org",
        stage="evaluation",
        timezone="Europe/London",
        created_at=AT,
        updated_at=AT,
    )


async def test_a_source_is_replaced_whole_and_sources_stay_apart(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        session.add_all([_project("p-rate-1"), _project("p-rate-2")])
        await session.flush()
        await record_ratings(session, "p-rate-1", "intention", {"confidence": 4, "relationships": 3}, AT)
        await record_ratings(session, "p-rate-1", "partner", {"confidence": 5}, AT)
        await record_ratings(session, "p-rate-1", "intention", {"confidence": 2}, AT)
        await record_ratings(session, "p-rate-2", "museum", {"museum_insight": 1}, AT)
        await session.commit()
    async with sessionmaker() as session:
        found = await ratings_of(session, ["p-rate-1", "p-rate-2", "p-rate-none"])
    assert found == {
        "p-rate-1": {"intention": {"confidence": 2}, "partner": {"confidence": 5}},
        "p-rate-2": {"museum": {"museum_insight": 1}},
    }


async def test_the_database_refuses_a_level_off_the_scale(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        session.add(_project("p-rate-3"))
        await session.flush()
        session.add(
            OutcomeRating(project_id="p-rate-3", source="partner", outcome_key="confidence", level=6, recorded_at=AT)
        )
        with pytest.raises(IntegrityError):
            await session.flush()


def test_a_level_is_an_int_on_the_scale() -> None:
    assert [is_level(v) for v in (1, 5, 0, 6, True, 3.0, "3")] == [True, True, False, False, False, False, False]
