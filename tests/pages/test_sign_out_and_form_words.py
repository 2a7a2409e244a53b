"""Pages, over HTTP without a browser: signing out ends the session on the server (a kept copy of
the cookie no longer works), and a form refused says what is wrong in words for people — in Welsh
too on the survey pages, which are bilingual."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.pages.session import SESSION_COOKIE
from api.pages.web import FormError
from api.projects.input_schemas import WorkshopCreate
from api.settings import ApiSettings
from store.surveys.writes_wave_mail import invite_key
from tests.pages.conftest import ADMIN_KEY
from tests.pages.test_sessions_and_forms import csrf_of, sign_in
from tests.store.survey_builders import add_people, add_project, open_at, person, tokens_by_respondent, wave_task


@pytest.fixture
async def app(
    temporal_dev_env: WorkflowEnvironment, task_queue: str, sqlite_sessionmaker: async_sessionmaker[AsyncSession]
) -> FastAPI:
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue)
    return create_app(settings, client=temporal_dev_env.client, sessionmaker=sqlite_sessionmaker)


@pytest.fixture
async def browser_like(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://engage.test") as http:
        yield http


async def test_signing_out_ends_the_session_on_the_server_so_a_kept_cookie_no_longer_works(app, browser_like):
    await sign_in(browser_like, ADMIN_KEY)
    kept = browser_like.cookies[SESSION_COOKIE]
    page = await browser_like.get("/projects")
    assert page.status_code == 200
    signed_out = await browser_like.post("/sign-out", data={"csrf": csrf_of(page)})
    assert signed_out.status_code == 303

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://engage.test", cookies={SESSION_COOKIE: kept}
    ) as replay:
        again = await replay.get("/projects")
        assert again.status_code == 303 and again.headers["location"].startswith("/"), again.text
        assert (await replay.get("/partners")).status_code == 303


async def test_a_second_organisation_of_the_same_name_is_refused_on_the_page(browser_like):
    await sign_in(browser_like, ADMIN_KEY)
    page = await browser_like.get("/partners")
    body = {"name": "Harbour Heritage Group", "contact_name": "Pat", "contact_email": "pat@harbour.example"}
    assert (await browser_like.post("/partners", data={**body, "csrf": csrf_of(page)})).status_code == 303
    page = await browser_like.get("/partners")
    again = await browser_like.post(
        "/partners", data={**body, "name": " harbour  heritage GROUP", "csrf": csrf_of(page)}
    )
    assert again.status_code == 409
    assert "There is already a partner organisation with this name" in again.text


async def test_a_refused_form_says_what_is_wrong_in_words_for_people(browser_like):
    await sign_in(browser_like, ADMIN_KEY)
    page = await browser_like.get("/partners")
    body = {"name": "", "contact_name": "Pat", "contact_email": "not an address", "csrf": csrf_of(page)}
    refused = await browser_like.post("/partners", data=body)
    assert refused.status_code == 422
    assert "Give the organisation&#39;s name" in refused.text or "Give the organisation's name" in refused.text
    assert "Give an e-mail address, like name@example.org" in refused.text
    assert "String should" not in refused.text and "pattern" not in refused.text


def test_a_session_that_ends_before_it_starts_is_worded_for_people():
    """The workshop form validates with exactly this (api/projects/action_pages.py `_validated`)."""
    starts = datetime(2031, 5, 1, 10, 0, tzinfo=UTC)
    for changes, expected in (
        ({"title": ""}, {"title": "Give the title"}),
        ({"ends_at": starts - timedelta(hours=1)}, {"ends_at": "The session must end after it starts"}),
    ):
        body = {"title": "Object handling", "place": "Hall", "starts_at": starts, "ends_at": starts, **changes}
        with pytest.raises(ValidationError) as refused:
            WorkshopCreate.model_validate(body)
        assert FormError.invalid_input(refused.value).fields == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Please answer this question"), ("cy", "Atebwch y cwestiwn hwn, os gwelwch yn dda")],
)
async def test_a_survey_answer_left_out_is_worded_in_the_respondents_language(
    browser_like, sqlite_sessionmaker, language, expected
):
    project_id = await add_project(sqlite_sessionmaker)
    await add_people(sqlite_sessionmaker, project_id, [person(1, language=language)])
    task = wave_task(project_id, 0, due=datetime.now(UTC) - timedelta(minutes=1))
    await open_at(sqlite_sessionmaker, task, datetime.now(UTC))
    [token] = (await tokens_by_respondent(sqlite_sessionmaker, invite_key(task))).values()
    form = await browser_like.get(f"/s/{token}")
    assert form.status_code == 200
    answered = await browser_like.post(f"/s/{token}", data={"csrf": csrf_of(form), "lang": language})
    assert answered.status_code == 422
    assert expected in answered.text.replace("&#39;", "'")
    assert "an answer is required" not in answered.text
