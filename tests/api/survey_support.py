"""Helpers for the survey API tests: a project with respondents, and a wave opened as the worker would.

`open_wave_now` runs store.surveys.writes_wave_open.open_wave (the body of the open_survey_wave activity) directly, so
the respondent-side tests need no FollowUpWorkflow: the personal links come out of the outbox's
sealed links (unsealed with this process's key), the only place raw tokens exist until sent. The
end-to-end test (test_surveys_end_to_end.py) runs the real workflow, worker and SMTP instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from store.surveys.writes_wave_mail import invite_key
from tests.api.conftest import Api
from tests.api.support import create_partner, create_project, ok
from tests.store.survey_builders import close_at, open_at, tokens_by_respondent, wave_task

#: Answers that satisfy community-project@1 (the co-curation template's instrument).
GOOD_ANSWERS: dict[str, Any] = {
    "skills_gained": 4,
    "confidence": 5,
    "museum_understanding": 3,
    "wellbeing": 4,
    "contact_since": "sometimes",
    "activities_since": ["visited", "shared_skills"],
    "visits_since": 3,
    "lasting_difference": "We still meet every month.",
}
QUESTION_KEYS = list(GOOD_ANSWERS)

PEOPLE = [
    {"name": "Ada Participant", "email": "ada@respondents.example", "language": "en", "role": "participant"},
    {"name": "Bryn Partner", "email": "bryn@respondents.example", "language": "cy", "role": "partner_staff"},
    {"name": "Cai Participant", "email": "cai@respondents.example", "language": "en", "role": "participant"},
]


async def survey_project(api: Api, *, people: list[dict[str, str]] | None = None) -> tuple[str, list[str]]:
    """A co-curation project (its read-model row written by the create) and its respondents' ids."""
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    ids = []
    for body in PEOPLE if people is None else people:
        ids.append(ok(await api.http.post(f"/api/v1/projects/{project['id']}/respondents", json=body), 201)["id"])
    return project["id"], ids


def task_for(project_id: str, index: int = 0, *, due: datetime | None = None) -> Any:
    return wave_task(project_id, index, due=due or datetime.now(UTC) - timedelta(minutes=1))


async def open_wave_now(api: Api, project_id: str, index: int = 0) -> dict[str, str]:
    """Open wave `index` as open_survey_wave would; return each respondent's raw token."""
    task = task_for(project_id, index)
    await open_at(api.sessionmaker, task, datetime.now(UTC))
    return await tokens_by_respondent(api.sessionmaker, invite_key(task))


async def close_wave_now(api: Api, project_id: str, index: int = 0) -> None:
    await close_at(api.sessionmaker, task_for(project_id, index), datetime.now(UTC))


async def answer(http: httpx.AsyncClient, token: str, answers: dict[str, Any] | None = None) -> httpx.Response:
    return await http.post(f"/api/v1/surveys/{token}/responses", json={"answers": answers or GOOD_ANSWERS})
