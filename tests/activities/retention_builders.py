"""Test data for retention: projects and programmes whose personal data is past its period, and some
that are not, all dated relative to the run's clock. Made-up `.example` people only.

Every row is written as the features write it (the project row from a real state snapshot, respondents
by store.surveys.writes.add_respondents); waves, ending events and programmes are inserted directly with
the dates a test needs, which is what years of a real deployment would have left behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from domain.durations import IsoDuration
from domain.events import EventType
from domain.exchange_messages import ExchangeEventType
from store.hashing import email_hash
from store.tables import (
    Event,
    ExchangeApplication,
    ExchangeEventRow,
    ExchangeProgramme,
    Project,
    Respondent,
    SurveyWave,
)
from tests.store.survey_builders import INSTRUMENT, Sessions, add_people, add_project, person

YEAR = timedelta(days=365)


@dataclass
class Seeded:
    """Row ids by what a retention run with the default periods (P3Y, P1Y) must do with them."""

    erase_respondents: list[str] = field(default_factory=list)
    keep_respondents: list[str] = field(default_factory=list)
    erase_applications: list[str] = field(default_factory=list)
    keep_applications: list[str] = field(default_factory=list)


async def _project(
    sessionmaker: Sessions, stage: str, closed_waves: list[datetime], people: int, tag: str
) -> list[str]:
    project_id = await add_project(sessionmaker)
    async with sessionmaker.begin() as session:
        await session.execute(update(Project).where(Project.id == project_id).values(stage=stage))
        for index, closed_at in enumerate(closed_waves):
            due = closed_at - timedelta(days=30)
            await session.execute(
                insert(SurveyWave).values(
                    project_id=project_id,
                    wave_index=index,
                    offset=IsoDuration("P3M"),
                    due_at=due,
                    closes_at=closed_at,
                    reminders_at=[],
                    instrument=INSTRUMENT,
                    status="closed",
                    opened_at=due,
                    closed_at=closed_at,
                )
            )
    return await add_people(sessionmaker, project_id, [person(n, tag=tag) for n in range(people)])


async def _ended_before_any_wave(sessionmaker: Sessions, ended_at: datetime, tag: str) -> list[str]:
    ids = await _project(sessionmaker, "withdrawn", [], 1, tag)
    async with sessionmaker() as session:
        project_id = (await session.scalars(select(Respondent.project_id).where(Respondent.id == ids[0]))).one()
    async with sessionmaker.begin() as session:
        await session.execute(
            insert(Event).values(
                project_id=project_id,
                seq=1,
                type=EventType.PROJECT_WITHDRAWN.value,
                occurred_at=ended_at,
                stage="withdrawn",
                actor="staff",
                milestone_key=None,
                detail={},
                recorded_at=ended_at,
            )
        )
    return ids


async def _programme(sessionmaker: Sessions, year: int, told_at: datetime, statuses: list[str]) -> list[str]:
    ids = [f"{year}{status[:3]}{n}" for n, status in enumerate(statuses)]
    async with sessionmaker.begin() as session:
        await session.execute(
            insert(ExchangeProgramme).values(
                year=year,
                phase="closed",
                budget=1000.0,
                state={},
                event_seq=1,
                applications_opens_at=told_at - timedelta(days=90),
                applications_closes_at=told_at - timedelta(days=60),
                created_at=told_at - timedelta(days=120),
                updated_at=told_at,
            )
        )
        await session.execute(
            insert(ExchangeEventRow).values(
                year=year,
                seq=1,
                type=ExchangeEventType.UNSUCCESSFUL_APPLICANTS_TOLD.value,
                occurred_at=told_at,
                actor="system",
                detail={},
                recorded_at=told_at,
            )
        )
        for application_id, status in zip(ids, statuses, strict=True):
            address = f"{application_id}@applicants.example"
            await session.execute(
                insert(ExchangeApplication).values(
                    id=application_id,
                    year=year,
                    organisation="museum",
                    name=f"Applicant {application_id}",
                    email=address,
                    email_hash=email_hash(address),
                    role="Curator",
                    employment="employed",
                    statement_of_benefit="I would learn a lot.",
                    hoped_gains="Skills",
                    offer="Cataloguing",
                    preferred_areas=["collections"],
                    access_needs="",
                    availability="Spring",
                    submitted_at=told_at - timedelta(days=70),
                    status=status,
                )
            )
    return ids


async def seed(sessionmaker: Sessions, now: datetime, *, first_year: int = 2090) -> Seeded:
    """Projects and programmes either side of the default periods, as of `now`."""
    seeded = Seeded()
    # Last wave closed more than three years ago, project closed: erased.
    seeded.erase_respondents += await _project(
        sessionmaker, "closed", [now - 4 * YEAR, now - 3 * YEAR - timedelta(days=5)], 2, "old"
    )
    # Ended (withdrawn) before any wave opened, more than three years ago: erased, by the ending's date.
    seeded.erase_respondents += await _ended_before_any_wave(sessionmaker, now - 3 * YEAR - timedelta(days=40), "gone")
    # Last wave closed two years ago: kept.
    seeded.keep_respondents += await _project(sessionmaker, "closed", [now - 4 * YEAR, now - 2 * YEAR], 1, "recent")
    # Still in follow-up (later waves live only in the workflow), first wave long closed: kept.
    seeded.keep_respondents += await _project(sessionmaker, "follow_up", [now - 4 * YEAR], 1, "live")
    # Told two years ago: unsuccessful ones erased, the selected one kept.
    told_long_ago = await _programme(
        sessionmaker, first_year, now - 2 * YEAR, ["unsuccessful", "unsuccessful", "selected"]
    )
    seeded.erase_applications += told_long_ago[:2]
    seeded.keep_applications += told_long_ago[2:]
    # Told six months ago: kept.
    seeded.keep_applications += await _programme(sessionmaker, first_year + 1, now - YEAR / 2, ["unsuccessful"])
    return seeded


@dataclass(frozen=True)
class Held:
    """Which seeded rows still hold their person (name and address), which are scrubbed."""

    respondents: dict[str, bool]
    applications: dict[str, bool]


async def held(sessionmaker: Sessions, seeded: Seeded) -> Held:
    async with sessionmaker() as session:
        respondents = {r.id: bool(r.email) and bool(r.name) for r in await session.scalars(select(Respondent))}
        applications = {
            a.id: bool(a.email) and bool(a.name) and bool(a.statement_of_benefit)
            for a in await session.scalars(select(ExchangeApplication))
        }
    return Held(respondents=respondents, applications=applications)


def expected(seeded: Seeded) -> Held:
    """What `held` must say after a run: every 'erase' row scrubbed, every 'keep' row intact."""
    return Held(
        respondents={**dict.fromkeys(seeded.erase_respondents, False), **dict.fromkeys(seeded.keep_respondents, True)},
        applications={
            **dict.fromkeys(seeded.erase_applications, False),
            **dict.fromkeys(seeded.keep_applications, True),
        },
    )
