"""Search (issue 15): GET /api/v1/search and the /search page, over HTTP against the real app and database.

Staff find projects by title, partners by name and people (leads, partner contacts, respondents) by
name or e-mail, any case, paged without overlap; each staff search is one `searched` audit entry that
holds the number of people found, never the words. A partner finds only its own projects and
organisation and no people. Too short a query is a 422 on `q` (the page says so beside the box).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from store.tables import AuditEntry
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, create_project, eventually, ok, partner_client
from tests.api.survey_support import survey_project

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _search(http: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    return dict(ok(await http.get("/api/v1/search", params={"q": q, **params}), 200))


async def _world(api: Api) -> dict[str, Any]:
    """Two partners with distinct words in their names, projects titled with a word of their own."""
    word = uuid.uuid4().hex[:8]
    mine = await create_partner(api, f"Quarry {word} Society")
    theirs = await create_partner(api, f"Mill {word} Guild")
    lead = {"name": f"Gwen {word}", "email": f"gwen.{word}@museum.example"}
    own = await create_project(api, [mine["id"]], title=f"Slate {word} voices", lead=lead)
    other = await create_project(api, [theirs["id"]], title=f"Flour {word} stories")
    for pid in (own["id"], other["id"]):

        async def listed(pid: str = pid) -> dict[str, Any]:
            return await _search(api.http, word, limit=200)

        def holds(page: dict[str, Any], pid: str = pid) -> bool:
            return any(h["id"] == pid for h in page["items"])

        await eventually(listed, holds)
    return {"word": word, "mine": mine, "theirs": theirs, "own": own, "other": other}


async def _searched_entries(api: Api) -> list[AuditEntry]:
    async with api.sessionmaker() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "searched")))


async def test_staff_find_projects_partners_and_people_any_case_and_each_search_is_audited(api: Api) -> None:
    w = await _world(api)
    word = w["word"]
    before = len(await _searched_entries(api))

    found = await _search(api.http, word.upper(), limit=200)
    kinds = [h["kind"] for h in found["items"]]
    assert kinds == sorted(kinds, key=["project", "partner", "person"].index)  # projects, partners, people
    ids = {h["id"] for h in found["items"]}
    assert {w["own"]["id"], w["other"]["id"], w["mine"]["id"], w["theirs"]["id"]} <= ids
    assert f"lead:{w['own']['id']}" in ids
    assert found["total"] == len(found["items"])

    by_address = await _search(api.http, f"GWEN.{word}@")
    assert [(h["kind"], h["title"], h["email"]) for h in by_address["items"]] == [
        ("person", f"Gwen {word}", f"gwen.{word}@museum.example")
    ]
    assert by_address["items"][0]["link"] == f"/projects/{w['own']['id']}"
    contacts = await _search(api.http, "contact@example.org", limit=5)
    assert contacts["items"] and all(h["id"].startswith("contact:") for h in contacts["items"])

    # Paged: pages laid end to end are the whole list, once each.
    paged = [
        h["id"]
        for o in range(0, found["total"], 2)
        for h in (await _search(api.http, word, limit=2, offset=o))["items"]
    ]
    assert paged == [h["id"] for h in (await _search(api.http, word, limit=200))["items"]]

    entries = await _searched_entries(api)
    assert len(entries) == before + 4 + len(range(0, found["total"], 2))  # one per search since `before`
    assert all(e.target_id == "people" and set(e.detail or {}) == {"people_found"} for e in entries)
    assert not any(word in str(e.detail) or word in e.target_id for e in entries)


async def test_a_partner_finds_only_its_own_and_no_people(api: Api) -> None:
    w = await _world(api)
    before = len(await _searched_entries(api))
    async with await partner_client(api, w["mine"]["id"]) as as_partner:
        found = await _search(as_partner, w["word"], limit=200)
        assert {(h["kind"], h["id"]) for h in found["items"]} == {
            ("project", w["own"]["id"]),
            ("partner", w["mine"]["id"]),
        }
        assert found["total"] == 2
        assert (await _search(as_partner, f"gwen.{w['word']}"))["total"] == 0
    assert len(await _searched_entries(api)) == before  # no people searched, nothing personal read


async def test_too_short_or_missing_queries_are_refused_on_q(api: Api) -> None:
    for params in ({"q": "a"}, {"q": "  a  "}, {}, {"q": "x" * 201}):
        refused = await api.http.get("/api/v1/search", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.json()["errors"][0]["field"] == "q"
    assert (await _search(api.http, "%_"))["total"] == 0  # wildcards are plain characters
    async with http_client(api.app, None) as anonymous:
        assert (await anonymous.get("/api/v1/search", params={"q": "slate"})).status_code == 401


@pytest.fixture
async def staff_pages(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        found = CSRF.search(form.text)
        assert found, form.text
        signed_in = await http.post("/sign-in", data={"csrf": found.group(1), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


async def test_the_search_page_and_the_header_box(api: Api, staff_pages: httpx.AsyncClient) -> None:
    w = await _world(api)
    home = await staff_pages.get("/projects")
    assert 'action="/search"' in home.text and 'role="search"' in home.text

    page = await staff_pages.get("/search", params={"q": w["word"]})
    assert page.status_code == 200
    for text in (w["own"]["title"], w["mine"]["name"], f"gwen.{w['word']}@museum.example"):
        assert text in page.text
    assert f'href="/projects/{w["own"]["id"]}"' in page.text

    empty = await staff_pages.get("/search")
    assert empty.status_code == 200 and "results for" not in empty.text
    short = await staff_pages.get("/search", params={"q": "a"})
    assert short.status_code == 422 and "at least 2 characters" in short.text
    odd = await staff_pages.get("/search", params={"q": w["word"], "page": "nine"})
    assert odd.status_code == 200


async def test_staff_find_a_respondent_by_name_or_address_and_a_partner_never_does(api: Api) -> None:
    word = uuid.uuid4().hex[:8]
    person = {"name": f"Dilys {word}", "email": f"dilys.{word}@respondents.example", "language": "en",
              "role": "participant"}  # fmt: skip
    project_id, [respondent_id] = await survey_project(api, people=[person])
    found = await _search(api.http, f"DILYS.{word}")
    assert [(h["id"], h["title"], h["email"], h["link"]) for h in found["items"]] == [
        (f"respondent:{respondent_id}", f"Dilys {word}", person["email"], f"/projects/{project_id}")
    ]
    partner_ids = ok(await api.http.get(f"/api/v1/projects/{project_id}"), 200)["partner_ids"]
    async with await partner_client(api, partner_ids[0]) as as_partner:
        assert (await _search(as_partner, f"dilys {word}"))["total"] == 0
