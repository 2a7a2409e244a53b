"""Pages, over HTTP without a browser: signing out ends the session on the server (a kept copy of
the cookie no longer works), and a form refused says what is wrong in words for people."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.pages.session import SESSION_COOKIE
from api.settings import ApiSettings
from tests.pages.conftest import ADMIN_KEY
from tests.pages.test_sessions_and_forms import csrf_of, sign_in


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
