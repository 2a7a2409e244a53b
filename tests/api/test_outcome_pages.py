"""Outcome levels on the pages (issue 16): the start form and the edit page ask "What the project aims to
change", an evaluation reflection's submit form asks how far each outcome was reached. Same services and
checks as the JSON routes: over HTTP with a signed-in cookie jar, real app, worker, dev server, database.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.rating_support import AIMS, stored_ratings, to_evaluation
from tests.api.support import create_partner, create_project, eventually, partner_client, read_project

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')
PROJECT_LINK = re.compile(r"/projects/([0-9a-f]{32})$")


def _hidden(page: httpx.Response, pattern: re.Pattern[str]) -> str:
    found = pattern.search(page.text)
    assert found, page.text
    return found.group(1)


def _select(page: str, name: str) -> str:
    """The <select> element named `name`, opening tag to closing tag."""
    start = page.index(f'name="{name}"')
    return page[page.rindex("<select", 0, start) : page.index("</select>", start)]


@pytest.fixture
async def staff_pages(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        signed_in = await http.post("/sign-in", data={"csrf": _hidden(form, CSRF), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


def _start_form(page: httpx.Response, partner_id: str, **levels: str) -> dict[str, object]:
    return {
        "csrf": _hidden(page, CSRF),
        "nonce": _hidden(page, NONCE),
        "template": "co-curation",
        "title": "Voices of the Quay",
        "summary": "",
        "lead_name": "Project Lead",
        "lead_email": "lead@museum.example",
        "partner_ids": [partner_id],
        "timezone": "Europe/London",
        **{f"intended_outcomes.{key}": level for key, level in levels.items()},
    }


async def test_the_start_form_asks_what_the_project_aims_to_change_and_refuses_a_bad_level_beside_it(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    dashboard = await staff_pages.get("/projects")
    assert "What the project aims to change" in dashboard.text
    confidence = _select(dashboard.text, "intended_outcomes.confidence")
    assert ">Not an aim<" in confidence and ">5 \u2013 fully<" in confidence
    assert "Confidence to speak, make and lead." in dashboard.text  # the outcome's description as hint

    too_high = await staff_pages.post("/projects", data=_start_form(dashboard, partner["id"], confidence="9"))
    assert too_high.status_code == 422
    assert 'aria-invalid="true"' in _select(too_high.text, "intended_outcomes.confidence")
    assert "1 (not at all) to 5 (fully)" in too_high.text
    made_up = await staff_pages.post("/projects", data=_start_form(dashboard, partner["id"], made_up="3"))
    assert made_up.status_code == 422 and "made_up" in made_up.text

    form = _start_form(dashboard, partner["id"], confidence="4", skills_knowledge="5", relationships="")
    started = await staff_pages.post("/projects", data=form)
    assert started.status_code == 303, started.text
    found = PROJECT_LINK.search(started.headers["location"])
    assert found
    project = await read_project(api.http, found.group(1))
    assert project["intended_outcomes"] == {"confidence": 4, "skills_knowledge": 5}
    page = await staff_pages.get(f"/projects/{project['id']}")
    assert "What the project aims to change" in page.text and "Confidence 4" in page.text


async def test_the_edit_page_shows_the_aims_and_saves_the_new_set(api: Api, staff_pages: httpx.AsyncClient) -> None:
    partner = await create_partner(api)
    pid = (await create_project(api, [partner["id"]], intended_outcomes=AIMS))["id"]
    form = await staff_pages.get(f"/projects/{pid}/edit")
    assert '<option value="5" selected>' in _select(form.text, "intended_outcomes.relationships")
    data = {
        "csrf": _hidden(form, CSRF),
        "nonce": _hidden(form, NONCE),
        "title": "Voices of the River",
        "summary": "",
        "lead_name": "Project Lead",
        "lead_email": "lead@museum.example",
        "outcomes_shown": "yes",
        "intended_outcomes.relationships": "3",
        "intended_outcomes.confidence": "",
    }
    saved = await staff_pages.post(f"/projects/{pid}/edit", data=data)
    assert saved.status_code == 303, saved.text
    assert (await read_project(api.http, pid))["intended_outcomes"] == {"relationships": 3}
    await eventually(lambda: stored_ratings(api, pid), lambda found: found == {"intention": {"relationships": 3}})
    timeline = (await staff_pages.get(f"/projects/{pid}")).text
    assert "Aims now: relationships=3" in timeline  # the project_edited event on the timeline


async def test_a_reflections_form_rates_the_outcomes_and_other_forms_do_not_ask(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    pid = (await create_project(api, [partner["id"]]))["id"]
    proposal_page = await staff_pages.get(f"/projects/{pid}")
    assert 'name="outcome_ratings.' not in proposal_page.text  # the proposal's form does not rate outcomes
    async with await partner_client(api, partner["id"]) as as_partner:
        await to_evaluation(api, as_partner, pid)
    page = await staff_pages.get(f"/projects/{pid}")
    assert "How far did the project reach its outcomes?" in page.text
    form = page.text[page.text.index('id="form-submit-staff_reflection"') :]
    assert 'name="outcome_ratings.confidence"' in form[: form.index("</form>")]
    data = {
        "csrf": _hidden(page, CSRF),
        "nonce": _hidden(page, NONCE),
        "summary": "The museum's view.",
        "links": "",
        "outcome_ratings.confidence": "4",
        "outcome_ratings.museum_insight": "2",
        "outcome_ratings.relationships": "",
    }
    sent = await staff_pages.post(f"/projects/{pid}/milestones/staff_reflection/submit", data=data)
    assert sent.status_code == 303, sent.text
    await eventually(
        lambda: stored_ratings(api, pid), lambda found: found == {"museum": {"confidence": 4, "museum_insight": 2}}
    )
    shown = await staff_pages.get(f"/projects/{pid}")
    assert "Outcomes rated" in shown.text and "Insight into museum work 2" in shown.text
