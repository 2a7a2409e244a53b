"""The outbox filtered by recipient, project and kind (issue 15), on GET /api/v1/outbox and the /outbox page.

Real app, real worker on the dev server, real database: the e-mails are the ones starting two projects
writes (to the lead and to the partner's contact). A partner key is refused; bad filters are a 422 on
the JSON route and are left out on the page (never a 500).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from store.tables import AuditEntry
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, create_project, eventually, ok, partner_client

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _outbox(api: Api, **params: Any) -> dict[str, Any]:
    return dict(ok(await api.http.get("/api/v1/outbox", params=params), 200))


async def _two_projects(api: Api) -> tuple[str, str]:
    partner = await create_partner(api)
    first = await create_project(
        api, [partner["id"]], lead={"name": "Rhian Lead", "email": "rhian.lead@museum.example"}
    )
    second = await create_project(api, [partner["id"]], title="Other")
    for pid in (first["id"], second["id"]):

        async def probe(pid: str = pid) -> dict[str, Any]:
            return await _outbox(api, project_id=pid)

        await eventually(probe, lambda page: page["total"] >= 2)
    return first["id"], second["id"]


async def test_the_json_outbox_filters_by_recipient_project_and_kind(api: Api) -> None:
    first, second = await _two_projects(api)

    by_recipient = await _outbox(api, recipient="RHIAN.lead@", limit=200)  # any case, part of the address
    assert by_recipient["total"] >= 1
    assert {e["to"] for e in by_recipient["items"]} == {"rhian.lead@museum.example"}
    assert {e["project_id"] for e in by_recipient["items"]} == {first}
    by_name = await _outbox(api, recipient="rhian lead", limit=200)  # or of the name
    assert {e["to"] for e in by_name["items"]} == {"rhian.lead@museum.example"}

    both = await _outbox(api, project_id=second, recipient="contact@example", limit=200)
    assert both["total"] >= 1 and {(e["project_id"], e["to"]) for e in both["items"]} == {
        (second, "contact@example.org")
    }

    project_kind = await _outbox(api, project_id=first, kind="project")
    assert project_kind["total"] >= 2 and {e["kind"] for e in project_kind["items"]} == {"project"}
    assert (await _outbox(api, project_id=first, kind="survey"))["total"] == 0
    assert (await _outbox(api, recipient="%lead%"))["total"] == 0  # wildcards are plain characters

    for bad in ({"recipient": "r"}, {"kind": "spam"}, {"recipient": "x" * 321}):
        refused = await api.http.get("/api/v1/outbox", params=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"] in {"recipient", "kind"}

    partner = await create_partner(api)
    async with await partner_client(api, partner["id"]) as as_partner:
        assert (await as_partner.get("/api/v1/outbox", params={"recipient": "rhian"})).status_code == 403


@pytest.fixture
async def staff_pages(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar signed in to the pages with the admin key (no bearer header)."""
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        found = CSRF.search(form.text)
        assert found, form.text
        signed_in = await http.post("/sign-in", data={"csrf": found.group(1), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


async def test_the_outbox_page_filters_alike_keeps_its_filters_and_ignores_bad_ones(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    first, _ = await _two_projects(api)
    page = await staff_pages.get("/outbox", params={"recipient": "rhian", "kind": "project"})
    assert page.status_code == 200
    assert "rhian.lead@museum.example" in page.text and "contact@example.org" not in page.text
    assert 'value="rhian"' in page.text and "Clear filters" in page.text

    by_project = await staff_pages.get("/outbox", params={"project_id": first})
    assert "rhian.lead@museum.example" in by_project.text and "contact@example.org" in by_project.text

    none = await staff_pages.get("/outbox", params={"recipient": "nobody-at-all", "kind": "survey"})
    assert none.status_code == 200 and "No e-mails match these filters." in none.text

    odd = await staff_pages.get("/outbox", params={"recipient": "r", "kind": "spam", "page": "x"})
    assert odd.status_code == 200 and "E-mail outbox" in odd.text and "Clear filters" not in odd.text

    async with api.sessionmaker() as session:
        entries = (await session.execute(AuditEntry.__table__.select())).all()
    assert any(row.action == "outbox_read" and row.target_id == first for row in entries)
    assert not any("rhian" in str(row) for row in entries)  # the searched recipient is never recorded
