"""Rows for the portfolio report's tests: five projects, two templates, two partners, answers over three
years, inserted straight into the read model (the report reads only the database), and the same rows kept
as plain Python records so each test can count the expected figures by hand, independently of the report.

The story (days in Europe/London; the tests ask for 1 March 2025 to 30 June 2026):
- A co-curation, partner 1, created 2025-04-01: P3M opened 2025-07-01 (6 invited, 5 answered),
  P12M opened 2026-04-01 (6 invited, 3 answered).
- B co-curation, partner 2, created 2025-06-01: P3M opened 2025-09-01 (6 invited, 6 answered),
  P6M opened 2025-12-01 (4 invited, 2 answered, in January 2026).
- C collections-research, partner 1, created 2026-02-01, placement instrument: P3M opened 2026-05-01
  (5 invited + 1 deferred by the fatigue cap, 5 answered).
- D collections-research, partners 1 and 2, created 2024-05-01 (before the period): P3M opened 2024-08-01
  (4 invited, 4 answered: the year before), P24M opened 2026-06-01 (5 invited, 5 answered).
- E co-curation, partner 2, created 2026-08-01 (after the period): P3M opened 2026-09-01 (6 invited, 6 answered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.tables import (
    Partner,
    Project,
    ProjectPartner,
    Respondent,
    SurveyInvitation,
    SurveyResponse,
    SurveyWave,
)

COMMUNITY = "community-project@1"
PLACEMENT = "knowledge-exchange-placement@1"
#: Likert question -> outcome, written out here by hand (not read from the instruments the report uses).
LIKERT = {
    COMMUNITY: {
        "skills_gained": "skills_knowledge",
        "confidence": "confidence",
        "museum_understanding": "museum_insight",
        "wellbeing": "wellbeing_participation",
    },
    PLACEMENT: {
        "skills_applied": "skills_knowledge",
        "organisational_change": "sustained_collaboration",
        "museum_insight": "museum_insight",
        "confidence": "confidence",
    },
}


def at(text: str) -> datetime:
    """Noon UTC on a day (the same day in London, whatever the season)."""
    return datetime.fromisoformat(text + "T12:00:00").replace(tzinfo=UTC)


@dataclass(frozen=True)
class ProjectSpec:
    key: str
    template: str
    partners: tuple[str, ...]
    created: str
    stage: str
    instrument: str
    #: (offset, opened on, invited, answered, answered on, deferred)
    waves: tuple[tuple[str, str, int, int, str, int], ...]


PROJECTS = (
    ProjectSpec("a", "co-curation", ("p1",), "2025-04-01", "follow_up", COMMUNITY,
                (("P3M", "2025-07-01", 6, 5, "2025-07-10", 0), ("P12M", "2026-04-01", 6, 3, "2026-04-10", 0))),
    ProjectSpec("b", "co-curation", ("p2",), "2025-06-01", "closed", COMMUNITY,
                (("P3M", "2025-09-01", 6, 6, "2025-09-05", 0), ("P6M", "2025-12-01", 4, 2, "2026-01-03", 0))),
    ProjectSpec("c", "collections-research", ("p1",), "2026-02-01", "workshops", PLACEMENT,
                (("P3M", "2026-05-01", 5, 5, "2026-05-10", 1),)),
    ProjectSpec("d", "collections-research", ("p1", "p2"), "2024-05-01", "closed", COMMUNITY,
                (("P3M", "2024-08-01", 4, 4, "2024-08-05", 0), ("P24M", "2026-06-01", 5, 5, "2026-06-05", 0))),
    ProjectSpec("e", "co-curation", ("p2",), "2026-08-01", "proposal", COMMUNITY,
                (("P3M", "2026-09-01", 6, 6, "2026-09-05", 0),)),
)  # fmt: skip


@dataclass(frozen=True)
class Answered:
    """One response as inserted: the test's own record of it."""

    project: ProjectSpec
    respondent_id: str
    offset: str
    submitted_at: datetime
    answers: dict[str, Any]


@dataclass
class Story:
    prefix: str
    partner_ids: dict[str, str]
    project_ids: dict[str, str]
    responses: list[Answered] = field(default_factory=list)


def answers_of(spec: ProjectSpec, person: int, wave: int) -> dict[str, Any]:
    """Likert values spread over 1..5, plus non-Likert answers the report must leave out."""
    keys = list(LIKERT[spec.instrument])
    values: dict[str, Any] = {k: (ord(spec.key) + 3 * person + 2 * wave + i) % 5 + 1 for i, k in enumerate(keys)}
    if spec.instrument == COMMUNITY:
        values |= {"contact_since": "often", "visits_since": 12, "lasting_difference": "I still meet the group."}
    else:
        values |= {"knowledge_shared": 7, "relationship_status": "ongoing"}
    return values


def _project_row(project_id: str, spec: ProjectSpec) -> dict[str, Any]:
    created = at(spec.created)
    return {
        "id": project_id, "workflow_id": f"project/{project_id}", "template_name": spec.template,
        "template_version": 1, "kind": spec.template, "title": f"Portfolio {spec.key}", "summary": "",
        "lead_name": "Lead Person", "lead_email": "lead@museum.example", "stage": spec.stage, "paused": False,
        "timezone": "Europe/London", "next_due_at": None, "created_at": created, "updated_at": created,
        "event_seq": 1, "state": None,
    }  # fmt: skip


async def _add_waves(session: AsyncSession, story: Story, spec: ProjectSpec, project_id: str) -> None:
    people = max(invited + deferred for _, _, invited, _, _, deferred in spec.waves)
    ids = [f"{project_id}r{k}" for k in range(people)]
    await session.execute(
        insert(Respondent),
        [
            {"id": rid, "project_id": project_id, "name": f"Person {rid}", "email": f"{rid}@respondents.example",
             "email_hash": f"hash-{rid}", "language": "en", "role": "participant", "created_at": at(spec.created)}
            for rid in ids
        ],
    )  # fmt: skip
    for index, (offset, opened, invited, answered, answered_on, deferred) in enumerate(spec.waves):
        await session.execute(
            insert(SurveyWave),
            [{"project_id": project_id, "wave_index": index, "offset": offset, "due_at": at(opened),
              "closes_at": at(opened), "reminders_at": [], "instrument": spec.instrument, "status": "closed",
              "opened_at": at(opened), "closed_at": at(opened)}],
        )  # fmt: skip
        await session.execute(
            insert(SurveyInvitation),
            [
                {"project_id": project_id, "wave_index": index, "respondent_id": rid,
                 "status": "invited" if k < invited else "deferred",
                 "invited_at": at(opened) if k < invited else None, "deferred_until": None}
                for k, rid in enumerate(ids[: invited + deferred])
            ],
        )  # fmt: skip
        for k in range(answered):
            record = Answered(spec, ids[k], offset, at(answered_on), answers_of(spec, k, index))
            story.responses.append(record)
            await session.execute(
                insert(SurveyResponse),
                [{"project_id": project_id, "wave_index": index, "respondent_id": ids[k],
                  "instrument": spec.instrument, "language": "en", "answers": record.answers,
                  "submitted_at": record.submitted_at}],
            )  # fmt: skip


async def insert_story(sessionmaker: async_sessionmaker[AsyncSession], prefix: str) -> Story:
    """The five projects and their rows, ids prefixed so the story stands apart from anything else."""
    story = Story(
        prefix=prefix,
        partner_ids={p: f"{prefix}{p}" for p in ("p1", "p2")},
        project_ids={s.key: f"{prefix}{s.key}" for s in PROJECTS},
    )
    async with sessionmaker.begin() as session:
        await session.execute(
            insert(Partner),
            [
                {"id": pid, "name": f"Portfolio partner {prefix} {p}", "contact_name": "Contact",
                 "contact_email": f"{pid}@partners.example", "created_at": at("2024-01-01")}
                for p, pid in story.partner_ids.items()
            ],
        )  # fmt: skip
        for spec in PROJECTS:
            project_id = story.project_ids[spec.key]
            await session.execute(insert(Project), [_project_row(project_id, spec)])
            await session.execute(
                insert(ProjectPartner),
                [{"project_id": project_id, "partner_id": story.partner_ids[p]} for p in spec.partners],
            )
            await _add_waves(session, story, spec, project_id)
    return story
