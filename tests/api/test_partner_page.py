"""The partner page (issue 15): staff see one partner's contact, the people who sign in for it and its
projects, and change its name and contact through the same service as PATCH /api/v1/partners/{id}.

Over HTTP with a signed-in cookie jar, against the real app, worker and database.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from store.tables import AuditEntry
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, create_project, ok

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
async def staff_pages(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        signed_in = await http.post("/sign-in", data={"csrf": _csrf(form), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


async def _audit(api: Api, action: str, target: str) -> int:
    async with api.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target_id == target)
        )
        return len(list(rows))


async def test_staff_see_a_partners_contacts_and_projects_and_change_its_contact(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]], title="Slate voices")
    listed = await staff_pages.get("/partners")
    assert f'href="/partners/{partner["id"]}"' in listed.text

    page = await staff_pages.get(f"/partners/{partner['id']}")
    assert page.status_code == 200
    for text in (partner["name"], "contact@example.org", "Slate voices", f'href="/projects/{project["id"]}"'):
        assert text in page.text
    assert await _audit(api, "partners_read", partner["id"]) >= 1

    form = {
        "csrf": _csrf(page),
        "name": partner["name"],
        "contact_name": "Ffion Jones",
        "contact_email": "ffion@example.org",
    }
    saved = await staff_pages.post(f"/partners/{partner['id']}", data=form)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith(f"/partners/{partner['id']}")
    after = ok(await api.http.get(f"/api/v1/partners/{partner['id']}"), 200)
    assert (after["contact_name"], after["contact_email"]) == ("Ffion Jones", "ffion@example.org")
    assert await _audit(api, "partner_changed", partner["id"]) == 1

    shown = await staff_pages.get(f"/partners/{partner['id']}")
    assert "ffion@example.org" in shown.text and "saved" in shown.text


async def test_refusals_are_shown_beside_the_form_as_the_json_route_refuses(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    first, second = await create_partner(api), await create_partner(api)
    page = await staff_pages.get(f"/partners/{first['id']}")
    base = {"csrf": _csrf(page), "name": first["name"], "contact_name": "A", "contact_email": "a@example.org"}

    bad = await staff_pages.post(f"/partners/{first['id']}", data=base | {"contact_email": "nope"})
    assert bad.status_code == 422 and "Not saved." in bad.text and 'value="nope"' in bad.text
    taken = await staff_pages.post(f"/partners/{first['id']}", data=base | {"name": second["name"]})
    assert taken.status_code == 409 and "Not saved." in taken.text
    assert ok(await api.http.get(f"/api/v1/partners/{first['id']}"), 200)["contact_name"] == first["contact_name"]

    assert (await staff_pages.get("/partners/no-such-partner")).status_code == 404
    assert (await staff_pages.post("/partners/no-such-partner", data=base)).status_code == 404


async def test_a_partner_sees_its_own_page_without_the_form_and_not_another_partners(api: Api) -> None:
    mine, theirs = await create_partner(api), await create_partner(api)
    project = await create_project(api, [mine["id"]], title="Our slate voices")
    issued = ok(await api.http.post(f"/api/v1/partners/{mine['id']}/keys", json={"label": "portal"}), 201)
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        assert (await http.post("/sign-in", data={"csrf": _csrf(form), "key": issued["key"]})).status_code == 303
        own = await http.get(f"/partners/{mine['id']}")
        assert own.status_code == 200
        assert mine["name"] in own.text and f'href="/projects/{project["id"]}"' in own.text
        assert "Change name or contact" not in own.text and 'action="/partners/' not in own.text
        assert (await http.get(f"/partners/{theirs['id']}")).status_code == 404
        assert (await http.get("/partners/no-such-partner")).status_code == 404
        refused = await http.post(f"/partners/{mine['id']}", data={"csrf": _csrf(own), "contact_name": "Me"})
        assert refused.status_code == 403


async def test_a_partners_page_lists_the_people_who_sign_in_for_it_and_no_one_else(
    api: Api, staff_pages: httpx.AsyncClient
) -> None:
    first, second = await create_partner(api), await create_partner(api)
    for partner, name in ((first, "Gwen Harbour"), (second, "Idris Quarry")):
        person = {"name": name, "email": f"{name.split()[0].lower()}@people.example", "role": "partner"}
        ok(await api.http.post("/api/v1/users", json=person | {"partner_id": partner["id"]}), 201)
    page = await staff_pages.get(f"/partners/{first['id']}")
    assert page.status_code == 200, page.text
    assert "Gwen Harbour" in page.text and "Idris Quarry" not in page.text
