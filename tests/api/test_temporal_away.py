"""Every failure that means "Temporal went away" is 503 with Retry-After, on JSON routes and pages (issue 11).

Real failures only: an API whose Temporal address has nothing listening (the lazy client's connect
fails on every call), and calls in flight when a real dev server is stopped with SIGTERM (they fail
with gRPC UNKNOWN "transport error" or UNAVAILABLE, which used to answer 500).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.errors import SERVICE_UNAVAILABLE
from api.main import API_RETRY, create_app
from api.settings import ApiSettings
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, create_project, submit
from tests.faults.processes import DevServerProcess, free_port
from tests.temporal_env import codec_converter


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert int(response.headers["Retry-After"]) > 0


@asynccontextmanager
async def signed_in_browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client signed in with the admin key (sign-in needs only the database)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://engage.test") as browser:
        form = await browser.get("/")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text
        signed_in = await browser.post("/sign-in", data={"csrf": csrf.group(1), "key": ADMIN_KEY, "next": "/projects"})
        assert signed_in.status_code in (200, 303), signed_in.text
        yield browser


async def api_client(address: str) -> Client:
    """As the API connects (api.main.connect_temporal): lazy, with the API's short retry budget."""
    return await Client.connect(address, data_converter=codec_converter(), retry_config=API_RETRY, lazy=True)


@pytest.mark.parametrize("db_target", ["sqlite"])
async def test_with_nothing_listening_at_the_temporal_address_every_route_and_page_answers_503(
    db_target: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    client = await api_client(f"127.0.0.1:{free_port()}")
    app = create_app(ApiSettings(admin_key=ADMIN_KEY), client=client, sessionmaker=sessionmaker)
    async with app.router.lifespan_context(app), http_client(app) as http, signed_in_browser(app) as browser:
        project = "0123456789abcdef0123456789abcdef"
        read = await http.get(f"/api/v1/projects/{project}")
        assert_unavailable(read)
        assert read.json()["detail"] == SERVICE_UNAVAILABLE
        assert_unavailable(await submit(http, project, "proposal"))
        assert_unavailable(await browser.get(f"/projects/{project}"))


@pytest.mark.parametrize("db_target", ["sqlite"])
async def test_calls_in_flight_when_temporal_is_stopped_answer_503_never_500(
    db_target: str, sessionmaker: async_sessionmaker[AsyncSession], task_queue: str, tmp_path: Path
) -> None:
    server = DevServerProcess(db_path=tmp_path / "temporal.db", log_path=tmp_path / "temporal.log")
    await server.start()
    try:
        client = await api_client(server.address)
        settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue)
        app = create_app(settings, client=client, sessionmaker=sessionmaker)
        async with app.router.lifespan_context(app), http_client(app) as http, signed_in_browser(app) as browser:
            api = Api(http=http, app=app, client=client, sessionmaker=sessionmaker, task_queue=task_queue)
            river = await create_partner(api)
            # No worker polls this task queue: every query and update waits in Temporal until it stops.
            project = (await create_project(api, [river["id"]]))["id"]
            in_flight = [
                asyncio.create_task(http.get(f"/api/v1/projects/{project}")),
                asyncio.create_task(submit(http, project, "proposal")),
                asyncio.create_task(
                    http.post(f"/api/v1/projects/{project}/milestones/proposal/review", json={"decision": "accept"})
                ),
                asyncio.create_task(browser.get(f"/projects/{project}")),
            ]
            await asyncio.sleep(1.5)
            assert not any(task.done() for task in in_flight), "the calls must be in flight when Temporal stops"
            await server.stop()
            answers = await asyncio.gather(*in_flight)
            for answer in answers:
                assert_unavailable(answer)
            # And after: Temporal is gone, the next calls are 503 too.
            assert_unavailable(await http.get(f"/api/v1/projects/{project}"))
            assert_unavailable(await browser.get(f"/projects/{project}"))
    finally:
        await server.stop()
