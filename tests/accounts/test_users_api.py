"""`/api/v1/users`: admins manage staff and admins, staff manage partner contacts; 409 on an address in
use; removal ends the person's sessions at once; every action is in the audit trail by id."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from store.tables import AuditEntry, WebSession
from tests.accounts.conftest import Accounts


def ok(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


async def _staff_key(accounts: Accounts) -> str:
    created = ok(await accounts.http.post("/api/v1/keys", json={"role": "staff", "label": "Community team"}), 201)
    return str(created["key"])


async def _partner(accounts: Accounts) -> str:
    body = {"name": "Harbour Heritage", "contact_name": "Ana", "contact_email": "ana@harbour.example"}
    return str(ok(await accounts.http.post("/api/v1/partners", json=body), 201)["id"])


async def test_an_admin_adds_lists_changes_and_removes_staff(accounts: Accounts) -> None:
    body = {"name": "Sam Curator", "email": "Sam@Museum.example", "role": "staff"}
    created = ok(await accounts.http.post("/api/v1/users", json=body), 201)
    assert created["role"] == "staff" and created["partner_id"] is None and created["removed_at"] is None

    again = await accounts.http.post("/api/v1/users", json={**body, "email": " sam@museum.example"})
    error = ok(again, 409)
    assert error["error"] == "UserExists" and error["errors"] == [{"field": "email", "reason": "already in use"}]

    listed = ok(await accounts.http.get("/api/v1/users"), 200)
    assert [u["id"] for u in listed["items"]] == [created["id"]] and listed["total"] == 1

    changed = ok(await accounts.http.patch(f"/api/v1/users/{created['id']}", json={"name": "Sam Keeper"}), 200)
    assert changed["name"] == "Sam Keeper" and changed["email"] == "Sam@Museum.example"

    ok(await accounts.http.delete(f"/api/v1/users/{created['id']}"), 204)
    assert ok(await accounts.http.get("/api/v1/users"), 200)["total"] == 0
    ok(await accounts.http.delete(f"/api/v1/users/{created['id']}"), 404)

    async with accounts.sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == created["id"])))
    assert sorted(actions) == ["user_added", "user_changed", "user_removed"]


async def test_staff_manage_partner_contacts_only(accounts: Accounts) -> None:
    partner_id = await _partner(accounts)
    async with accounts.client(await _staff_key(accounts)) as staff:
        contact = {"name": "Ana Contact", "email": "ana@harbour.example", "role": "partner", "partner_id": partner_id}
        created = ok(await staff.post("/api/v1/users", json=contact), 201)
        assert created["partner_id"] == partner_id and created["created_by"] != ""

        ok(await staff.post("/api/v1/users", json={"name": "X", "email": "x@museum.example", "role": "staff"}), 403)
        admin_made = ok(
            await accounts.http.post("/api/v1/users", json={"name": "Y", "email": "y@m.example", "role": "admin"}), 201
        )
        ok(await staff.patch(f"/api/v1/users/{admin_made['id']}", json={"name": "Z"}), 403)
        ok(await staff.delete(f"/api/v1/users/{admin_made['id']}"), 403)
        assert [u["role"] for u in ok(await staff.get("/api/v1/users"), 200)["items"]] == ["partner"]

        no_partner = await staff.post("/api/v1/users", json={**contact, "email": "b@h.example", "partner_id": None})
        assert ok(no_partner, 422)["errors"][0]["field"] == "partner_id"
        unknown = await staff.post("/api/v1/users", json={**contact, "email": "c@h.example", "partner_id": "nope"})
        assert ok(unknown, 422)["errors"][0]["field"] == "partner_id"

    partner_key = ok(await accounts.http.post(f"/api/v1/partners/{partner_id}/keys", json={"label": "p"}), 201)["key"]
    async with accounts.client(partner_key) as partner:
        ok(await partner.get("/api/v1/users"), 403)
        ok(await partner.post("/api/v1/users", json=contact), 403)
    async with accounts.client(None) as nobody:
        ok(await nobody.get("/api/v1/users"), 401)


async def test_bad_input_is_422_in_the_one_shape_never_500(accounts: Accounts) -> None:
    for body in (
        {},
        {"name": "A", "email": "not-an-address", "role": "staff"},
        {"name": "A", "email": "a@b.c", "role": "boss"},
    ):
        error = ok(await accounts.http.post("/api/v1/users", json=body), 422)
        assert error["errors"]
    ok(await accounts.http.patch("/api/v1/users/" + "x" * 65, json={}), 422)
    ok(await accounts.http.patch("/api/v1/users/unknown", json={"name": "A"}), 404)


async def test_removing_a_user_ends_their_sessions_at_once(accounts: Accounts) -> None:
    body = {"name": "Sam Curator", "email": "sam@museum.example", "role": "staff"}
    user = ok(await accounts.http.post("/api/v1/users", json=body), 201)
    async with accounts.client(None) as browser:
        await _ask_for_link(browser, "sam@museum.example")
        [link] = accounts.links_to("sam@museum.example")
        signed_in = await browser.get(link.removeprefix("http://engage.test"))
        assert signed_in.status_code == 200, signed_in.text
        async with accounts.sessionmaker() as session:
            assert (
                await session.scalar(
                    select(func.count()).select_from(WebSession).where(WebSession.user_id == user["id"])
                )
                == 1
            )
        assert (await browser.get("/partners", follow_redirects=False)).status_code == 200

        ok(await accounts.http.delete(f"/api/v1/users/{user['id']}"), 204)

        async with accounts.sessionmaker() as session:
            assert (
                await session.scalar(
                    select(func.count()).select_from(WebSession).where(WebSession.user_id == user["id"])
                )
                == 0
            )
        after = await browser.get("/partners", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"].startswith("/?next=")


async def _ask_for_link(browser: httpx.AsyncClient, address: str) -> httpx.Response:
    """Ask for a link on the sign-in page, as a browser does: the form's CSRF token first."""
    page = await browser.get("/sign-in")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    return await browser.post("/sign-in/email", data={"csrf": csrf, "email": address, "next": "/projects"})
