"""A project answers as existing from the moment its create is answered, before its read-model row is written.

The JSON create answers before the row is written (the row follows as a background task, and the
workflow's first activity writes it too). A client that adds respondents or reads the timeline in
those moments was told 404 "Project not found" (seen as a flaky page test). Deleting the row after
the create puts the test in exactly that moment, every time.
"""

from __future__ import annotations

from sqlalchemy import delete

from api.errors import PROJECT_NOT_FOUND
from store.projects import reads as project_reads
from store.tables import Project
from tests.api.conftest import Api
from tests.api.support import create_partner, create_project, ok
from tests.api.survey_support import PEOPLE


async def _forget_row(api: Api, project_id: str) -> None:
    """The read model as it is before anything recorded the project (its rows cascade)."""
    async with api.sessionmaker.begin() as session:
        await session.execute(delete(Project).where(Project.id == project_id))
    async with api.sessionmaker() as session:
        assert await project_reads.get_project(session, project_id) is None


async def test_respondents_can_be_added_before_the_projects_row_is_written(api: Api) -> None:
    partner = (await create_partner(api, "Row Race Partner"))["id"]
    project_id = (await create_project(api, [partner]))["id"]
    await _forget_row(api, project_id)

    added = ok(await api.http.post(f"/api/v1/projects/{project_id}/respondents", json=PEOPLE[0]), 201)
    assert added["email"] == PEOPLE[0]["email"]
    listed = ok(await api.http.get(f"/api/v1/projects/{project_id}/respondents"), 200)
    assert [r["email"] for r in listed["items"]] == [PEOPLE[0]["email"]]
    async with api.sessionmaker() as session:
        row = await project_reads.get_project(session, project_id)
    assert row is not None and row.title  # written again, from the workflow's state
    async with api.sessionmaker() as session:
        assert await project_reads.project_partner_ids(session, project_id) == [partner]


async def test_the_timeline_of_a_project_not_yet_recorded_is_empty_not_404(api: Api) -> None:
    partner = (await create_partner(api, "Timeline Race Partner"))["id"]
    project_id = (await create_project(api, [partner]))["id"]
    await _forget_row(api, project_id)

    timeline = ok(await api.http.get(f"/api/v1/projects/{project_id}/events"), 200)
    assert timeline["total"] == 0 and timeline["items"] == []
    follow_up = ok(await api.http.get(f"/api/v1/projects/{project_id}/follow-up"), 200)
    assert follow_up["started"] is False


async def test_a_project_neither_temporal_nor_the_read_model_knows_is_still_404(api: Api) -> None:
    unknown = "0" * 32
    for path in (f"/api/v1/projects/{unknown}/respondents", f"/api/v1/projects/{unknown}/events"):
        answer = await api.http.get(path)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["detail"] == PROJECT_NOT_FOUND
