"""The project's edit page (issue 15): staff change title, summary, lead and partners through the same
service as PATCH /api/v1/projects/{id}; the project page's timeline then shows `Project edited` with
who did it. Who may open it, per role, is tests/api/test_access_matrix.py's. Over HTTP with a signed-in
cookie jar, against the real app, worker and dev server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, create_project, eventually, read_project

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def _hidden(page: httpx.Response, pattern: re.Pattern[str]) -> str:
    found = pattern.search(page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
async def staff_pages(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        signed_in = await http.post("/sign-in", data={"csrf": _hidden(form, CSRF), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


async def test_staff_edit_a_project_on_its_page_and_the_timeline_says_so(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    first, second = await create_partner(api), await create_partner(api)
    project = await create_project(api, [first["id"]])
    pid = project["id"]
    shown = await staff_pages.get(f"/projects/{pid}")
    assert f'href="/projects/{pid}/edit"' in shown.text

    form = await staff_pages.get(f"/projects/{pid}/edit")
    assert form.status_code == 200 and project["title"] in form.text and second["name"] in form.text
    data = {
        "csrf": _hidden(form, CSRF),
        "nonce": _hidden(form, NONCE),
        "title": "Voices of the Estuary",
        "summary": "Now about the estuary.",
        "lead_name": "Nia Lead",
        "lead_email": "nia@museum.example",
        "partners_shown": "yes",
        "partner_ids": [second["id"]],
    }
    saved = await staff_pages.post(f"/projects/{pid}/edit", data=data)
    assert saved.status_code == 303, saved.text
    again = await staff_pages.post(f"/projects/{pid}/edit", data=data)  # a double submit: the same update id
    assert again.status_code == 303
    state = await read_project(api.http, pid)
    assert (state["title"], state["lead"]["email"], state["partner_ids"]) == (
        "Voices of the Estuary",
        "nia@museum.example",
        [second["id"]],
    )

    async def page() -> httpx.Response:
        return await staff_pages.get(f"/projects/{pid}")

    timeline = await eventually(page, lambda r: "Project edited" in r.text)
    assert "New title: Voices of the Estuary" in timeline.text
    events = (await api.http.get(f"/api/v1/projects/{pid}/events")).json()["items"]
    assert [e["type"] for e in events].count("project_edited") == 1


async def test_refusals_show_on_the_form(api: Api, staff_pages: httpx.AsyncClient) -> None:
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]
    form = await staff_pages.get(f"/projects/{pid}/edit")
    base = {
        "csrf": _hidden(form, CSRF),
        "title": "",
        "summary": "",
        "lead_name": "Lead",
        "lead_email": "not-an-address",
    }
    bad = await staff_pages.post(f"/projects/{pid}/edit", data=base)
    assert bad.status_code == 422 and "Not saved." in bad.text and 'value="not-an-address"' in bad.text
    assert (await read_project(api.http, pid))["title"] == project["title"]
    assert (await staff_pages.get("/projects/no-such-project/edit")).status_code == 404

    ok_withdraw = await api.http.post(f"/api/v1/projects/{pid}/withdraw", json={"reason": "Stopped"})
    assert ok_withdraw.status_code == 200
    ended = await staff_pages.post(
        f"/projects/{pid}/edit", data=base | {"title": "Late", "lead_email": "lead@museum.example"}
    )
    assert ended.status_code == 409 and "Not saved." in ended.text
