"""The retention activity against a real database (SQLite and PostgreSQL): what it erases, what it keeps,
that a second run erases nothing, and that every run is recorded with its counts and cut-offs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.retention import RetentionActivities
from activities.settings import ActivitySettings
from domain.retention import RetentionRequest, retention_period
from store.tables import RetentionRun
from tests.activities.retention_builders import expected, held, seed
from tests.store.survey_builders import Sessions

NOW = datetime(2030, 6, 1, 3, 0, tzinfo=UTC)
FINISHED = datetime(2030, 6, 1, 3, 0, 7, tzinfo=UTC)


def activities(
    sessionmaker: Sessions, *, batch: int = 500, respondents: str = "P3Y", applicants: str = "P1Y"
) -> RetentionActivities:
    settings = ActivitySettings.model_validate(
        {"ENGAGE_RETENTION_RESPONDENTS": respondents, "ENGAGE_RETENTION_APPLICANTS": applicants}
    )
    return RetentionActivities(sessionmaker, settings, clock=lambda: FINISHED, batch=batch)


async def run(retention: RetentionActivities, run_id: str, now: datetime = NOW) -> tuple[int, int]:
    request = RetentionRequest(now=now, run_id=run_id, workflow_id=f"retention-{run_id}")
    result = await ActivityEnvironment().run(retention.erase_expired_personal_data, request)
    return result.respondents_erased, result.applicants_erased


async def runs(sessionmaker: Sessions) -> list[RetentionRun]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(RetentionRun).order_by(RetentionRun.id)))


async def test_a_run_erases_what_is_past_its_period_keeps_the_rest_and_a_second_run_erases_nothing(
    sessionmaker: Sessions,
) -> None:
    seeded = await seed(sessionmaker, NOW)
    retention = activities(sessionmaker, batch=2)  # batches of two: three transactions for the respondents

    assert await run(retention, "run-1") == (len(seeded.erase_respondents), len(seeded.erase_applications))
    assert await held(sessionmaker, seeded) == expected(seeded)
    assert await run(retention, "run-2") == (0, 0)
    assert await held(sessionmaker, seeded) == expected(seeded)

    first, second = await runs(sessionmaker)
    assert (first.id, first.workflow_id, first.respondents_erased, first.applicants_erased) == (
        "run-1",
        "retention-run-1",
        3,
        2,
    )
    assert (second.respondents_erased, second.applicants_erased) == (0, 0)
    assert first.respondents_cutoff_at == datetime(2027, 6, 1, 3, 0, tzinfo=UTC)  # P3Y before the clock
    assert first.applicants_cutoff_at == datetime(2029, 6, 1, 3, 0, tzinfo=UTC)  # P1Y
    assert first.started_at == first.finished_at == FINISHED


async def test_a_retried_run_adds_to_its_own_record_and_erases_each_person_once(sessionmaker: Sessions) -> None:
    seeded = await seed(sessionmaker, NOW)
    retention = activities(sessionmaker)

    await run(retention, "run-1")
    assert await run(retention, "run-1") == (3, 2)  # the same run again (a retry): nothing new, the row's totals

    (only,) = await runs(sessionmaker)
    assert (only.respondents_erased, only.applicants_erased) == (3, 2)
    assert await held(sessionmaker, seeded) == expected(seeded)


async def test_the_periods_come_from_the_settings(sessionmaker: Sessions) -> None:
    seeded = await seed(sessionmaker, NOW)
    # Five years for respondents, three for applicants: nobody seeded is past either.
    retention = activities(sessionmaker, respondents="P5Y", applicants="P3Y")
    assert await run(retention, "long") == (0, 0)
    # Eighteen months for respondents: the project whose last wave closed two years ago goes too.
    shorter = activities(sessionmaker, respondents="P18M", applicants="P90D")
    assert await run(shorter, "short") == (4, 3)
    after = await held(sessionmaker, seeded)
    assert sum(after.respondents.values()) == 1  # only the project still in follow-up keeps its respondent
    assert [a for a, kept in after.applications.items() if kept] == seeded.keep_applications[:1]  # the selected one


@pytest.mark.parametrize(
    ("setting", "words"),
    [("3 years", "not an ISO 8601 duration"), ("PT3M", "shorter than a day"), ("P0D", "longer than zero")],
)
def test_a_bad_period_is_refused_in_words(setting: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        ActivitySettings.model_validate({"ENGAGE_RETENTION_RESPONDENTS": setting})
    with pytest.raises(ValueError, match=words):
        retention_period(setting)


def test_the_default_periods_are_three_years_and_one_year() -> None:
    settings = ActivitySettings()
    assert (settings.retention_respondents, settings.retention_applicants) == ("P3Y", "P1Y")
    # Calendar years (a leap day counts), not 3 x 365 days.
    assert settings.retention_respondents.before(NOW) == datetime(2027, 6, 1, 3, 0, tzinfo=UTC)
