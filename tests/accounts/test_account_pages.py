"""The `/users` and `/keys` pages: add, change and remove (after a confirmation) people; list keys with
their creator and last use, and revoke one; each through the same service as the JSON routes."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from store.tables import ApiKey, UserAccount
from tests.accounts.conftest import ADMIN_KEY, Accounts
from tests.accounts.test_users_api import _staff_key, ok

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:400]
    return found.group(1)


async def _signed_in(browser: httpx.AsyncClient, key: str) -> str:
    """Sign in with a key on the form; the CSRF token of a signed-in page."""
    signed = await browser.post("/sign-in", data={"csrf": _csrf(await browser.get("/sign-in")), "key": key})
    assert signed.status_code == 303, signed.text
    return _csrf(await browser.get("/users"))


async def test_an_admin_adds_changes_and_removes_a_person_on_the_pages(accounts: Accounts) -> None:
    async with accounts.client(None) as browser:
        csrf = await _signed_in(browser, ADMIN_KEY)
        form = {"csrf": csrf, "name": "Kim Keeper", "email": "kim@museum.example", "role": "staff", "partner_id": ""}
        added = await browser.post("/users", data=form)
        assert added.status_code == 303
        listing = await browser.get("/users")
        assert "Kim Keeper" in listing.text and "kim@museum.example" in listing.text
        again = await browser.post("/users", data=form)
        assert again.status_code == 409 and "already signs in with that e-mail address" in again.text
        bad = await browser.post("/users", data={**form, "email": "nope"})
        assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text

        async with accounts.sessionmaker() as session:
            user_id = (await session.scalars(select(UserAccount.id))).one()
        changed = await browser.post(
            f"/users/{user_id}", data={"csrf": csrf, "name": "Kim Curator", "email": "kim@museum.example"}
        )
        assert changed.status_code == 303
        confirm = await browser.get(f"/users/{user_id}/remove")
        assert confirm.status_code == 200 and "Remove Kim Curator?" in confirm.text and "signed out" in confirm.text
        removed = await browser.post(f"/users/{user_id}/remove", data={"csrf": csrf})
        assert removed.status_code == 303
        assert "Kim Curator" not in (await browser.get("/users")).text
        assert (await browser.get(f"/users/{user_id}")).status_code == 404


async def test_staff_see_partner_contacts_only_and_cannot_open_an_admin(accounts: Accounts) -> None:
    admin = ok(
        await accounts.http.post("/api/v1/users", json={"name": "Ada", "email": "ada@m.example", "role": "admin"}), 201
    )
    async with accounts.client(None) as browser:
        await _signed_in(browser, await _staff_key(accounts))
        page = await browser.get("/users")
        assert page.status_code == 200 and "Ada" not in page.text
        assert '<option value="staff"' not in page.text and '<option value="partner"' in page.text
        assert (await browser.get(f"/users/{admin['id']}")).status_code == 403


async def test_the_keys_page_lists_creator_and_last_use_and_revokes(accounts: Accounts) -> None:
    staff_key = await _staff_key(accounts)
    async with accounts.client(staff_key) as staff:
        ok(await staff.get("/api/v1/users"), 200)  # the key authenticates: its last use is recorded
    async with accounts.client(None) as browser:
        csrf = await _signed_in(browser, ADMIN_KEY)
        page = await browser.get("/keys")
        assert page.status_code == 200
        assert "Community team" in page.text and "the administrator key" in page.text and "Never" not in page.text
        async with accounts.sessionmaker() as session:
            key = (await session.scalars(select(ApiKey))).one()
        assert key.created_by == "env-admin" and key.last_used_at is not None
        revoked = await browser.post(f"/keys/{key.id}/revoke", data={"csrf": csrf})
        assert revoked.status_code == 303
        assert "Revoked" in (await browser.get("/keys")).text
    async with accounts.client(staff_key) as staff:
        ok(await staff.get("/api/v1/users"), 401)
