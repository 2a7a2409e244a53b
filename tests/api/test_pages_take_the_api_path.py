"""The pages' forms and the JSON routes are one code path (issue 13): the same service function, so the
same payload, the same update ids (a double-submitted form applies once, like a retried request with
an Idempotency-Key), and the same refusals, with the same status.

Over HTTP without a browser, against the real app, a real worker and the dev server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import (
    create_partner,
    create_project,
    eventually,
    ok,
    partner_client,
    read_project,
    review,
    submit,
)

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def hidden(page: httpx.Response, pattern: re.Pattern[str]) -> str:
    found = pattern.search(page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
async def browser_like(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar signed in to the pages with the admin key (no bearer header)."""
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        signed_in = await http.post("/sign-in", data={"csrf": hidden(form, CSRF), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


async def test_a_double_submitted_decision_form_applies_once_and_is_refused_as_the_json_route_refuses(
    api: Api, browser_like: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]]))["id"]
    page = await browser_like.get(f"/projects/{project_id}")
    form = {"csrf": hidden(page, CSRF), "nonce": hidden(page, NONCE), "reason": ""}

    first = await browser_like.post(f"/projects/{project_id}/decisions/pause", data=form)
    again = await browser_like.post(f"/projects/{project_id}/decisions/pause", data=form)  # the same nonce
    assert (first.status_code, again.status_code) == (303, 303), again.text
    assert (await read_project(api.http, project_id))["paused"] is True

    # A new rendering (a new nonce) is a new request: refused by the workflow, exactly as the JSON route is.
    page = await browser_like.get(f"/projects/{project_id}")
    fresh = {"csrf": hidden(page, CSRF), "nonce": hidden(page, NONCE), "reason": ""}
    refused_page = await browser_like.post(f"/projects/{project_id}/decisions/pause", data=fresh)
    refused_json = await api.http.post(f"/api/v1/projects/{project_id}/pause")
    assert refused_page.status_code == refused_json.status_code == 409, (refused_page.text, refused_json.text)
    assert refused_json.json()["detail"] in refused_page.text

    # The event log is written by the worker after the update answers: wait for it, then count.
    async def paused_events() -> int:
        events = ok(await api.http.get(f"/api/v1/projects/{project_id}/events"), 200)["items"]
        return [e["type"] for e in events].count("project_paused")

    assert await eventually(paused_events, lambda n: n >= 1) == 1, "the form's nonce is its update id"


async def test_the_partner_forms_refuse_as_the_json_routes_do(api: Api, browser_like: httpx.AsyncClient) -> None:
    page = await browser_like.get("/partners")
    body = {"name": "Quayside  ARCHIVE", "contact_name": "Contact", "contact_email": "c@example.org"}
    added = await browser_like.post("/partners", data={**body, "csrf": hidden(page, CSRF)})
    assert added.status_code == 303, added.text
    taken = await api.http.post("/api/v1/partners", json={**body, "name": "quayside archive"})
    assert taken.status_code == 409 and taken.json()["error"] == "PartnerExists"

    no_such = await browser_like.post("/partners/no-such-partner/keys", data={"csrf": hidden(page, CSRF), "label": "x"})
    assert no_such.status_code == 404 and "Page not found" in no_such.text
    assert (await api.http.post("/api/v1/partners/no-such-partner/keys", json={"label": "x"})).status_code == 404


async def test_the_workshop_forms_send_what_the_json_routes_send(api: Api, browser_like: httpx.AsyncClient) -> None:
    partner = await create_partner(api)
    project_id = (await create_project(api, [partner["id"]], timezone="Europe/London"))["id"]
    as_partner = await partner_client(api, partner["id"])
    ok(await submit(as_partner, project_id, "proposal"), 201)
    ok(await review(api.http, project_id, "proposal"), 200)

    page = await browser_like.get(f"/projects/{project_id}")
    session = {"title": "Oral history day", "place": "Community room"}
    times = {"starts_at": "2030-05-01T10:00", "ends_at": "2030-05-01T12:00"}  # read in the project's zone
    scheduled = await browser_like.post(
        f"/projects/{project_id}/workshops",
        data={**session, **times, "csrf": hidden(page, CSRF), "nonce": hidden(page, NONCE)},
    )
    assert scheduled.status_code == 303, scheduled.text
    [workshop] = (await read_project(api.http, project_id))["workshops"]
    assert workshop["title"] == "Oral history day"
    assert workshop["starts_at"] == "2030-05-01T10:00:00+01:00"  # read in London (BST)

    # The same session over JSON (times with their offset) is answered the same.
    body = {**session, "starts_at": "2030-05-01T10:00:00+01:00", "ends_at": "2030-05-01T12:00:00+01:00"}
    again = ok(await api.http.post(f"/api/v1/projects/{project_id}/workshops", json=body), 201)
    assert (again["starts_at"], again["ends_at"]) == (workshop["starts_at"], workshop["ends_at"])

    # Cancelling through the page form is the JSON route's cancellation.
    page = await browser_like.get(f"/projects/{project_id}")
    cancelled = await browser_like.post(
        f"/projects/{project_id}/workshops/{workshop['id']}/cancel",
        data={"reason": "Rained off", "csrf": hidden(page, CSRF), "nonce": hidden(page, NONCE)},
    )
    assert cancelled.status_code == 303, cancelled.text
    shown = {w["id"]: w for w in (await read_project(api.http, project_id))["workshops"]}
    assert shown[workshop["id"]]["cancel_reason"] == "Rained off"


async def test_the_partners_page_pages_through_what_the_json_list_counts(
    api: Api, browser_like: httpx.AsyncClient
) -> None:
    for _ in range(26):
        await create_partner(api)
    total = ok(await api.http.get("/api/v1/partners"), 200)["total"]
    first = await browser_like.get("/partners")
    assert f"Page 1 of 2 ({total} partners)" in first.text
    assert '<a href="/partners?page=2" rel="next">' in first.text and 'rel="prev"' not in first.text
    second = await browser_like.get("/partners?page=2")
    assert '<a href="/partners?page=1" rel="prev">' in second.text and 'rel="next"' not in second.text
    assert (await browser_like.get("/outbox")).status_code == 200


async def test_the_case_study_pages_refuse_an_unknown_placement_as_the_json_routes_do(
    api: Api, browser_like: httpx.AsyncClient
) -> None:
    path = "/exchange/2031/placements/no-such-placement/case-study"
    assert (await api.http.get(f"/api/v1/exchange/programmes{path.removeprefix('/exchange')}")).status_code == 404
    shown = await browser_like.get(path)
    assert shown.status_code == 404 and "Page not found" in shown.text
    page = await browser_like.get("/partners")  # any signed-in page carries this session's form token
    marked = await browser_like.post(path, data={"csrf": hidden(page, CSRF)})
    assert marked.status_code == 404 and "Page not found" in marked.text
    json_marked = await api.http.post(f"/api/v1/exchange/programmes{path.removeprefix('/exchange')}")
    assert json_marked.status_code == 404
