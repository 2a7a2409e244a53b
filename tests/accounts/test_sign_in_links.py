"""Signing in with an e-mailed link, end to end through a real SMTP server (aiosmtpd): the link in the
received e-mail signs in once; a second use, an expired link and a removed person's link are refused
calmly; an unknown address gets the same page and no e-mail; the outbox never holds a working link."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from api.pages.session import SESSION_COOKIE
from store.tables import AuditEntry, OutboxEmail, SignInLink
from tests.accounts.conftest import Accounts
from tests.accounts.test_users_api import _ask_for_link, ok

ADDRESS = "sam@museum.example"


async def _sam(accounts: Accounts, role: str = "staff") -> str:
    body = {"name": "Sam Curator", "email": ADDRESS, "role": role}
    return str(ok(await accounts.http.post("/api/v1/users", json=body), 201)["id"])


def _path(link: str) -> str:
    return link.removeprefix("http://engage.test")


async def test_the_e_mailed_link_signs_in_once_and_names_the_person(accounts: Accounts) -> None:
    user_id = await _sam(accounts)
    async with accounts.client(None) as browser:
        asked = await _ask_for_link(browser, "  SAM@museum.example ")
        assert asked.status_code == 200 and "Check your e-mail" in asked.text
        [link] = accounts.links_to(ADDRESS)

        signed_in = await browser.get(_path(link))
        assert signed_in.status_code == 200 and "You are signed in" in signed_in.text
        assert 'http-equiv="refresh"' in signed_in.text and SESSION_COOKIE in browser.cookies
        projects = await browser.get("/partners", follow_redirects=False)
        assert projects.status_code == 200 and "Signed in: Sam Curator (staff)" in projects.text

    async with accounts.client(None) as other:
        again = await other.get(_path(link))
        assert again.status_code == 410 and "already been used" in again.text
        assert SESSION_COOKIE not in other.cookies

    async with accounts.sessionmaker() as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "signed_in")))
        stored = list(await session.scalars(select(SignInLink.token_hash)))
        outbox = (await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "account"))).one()
    assert [(e.actor_key_id, e.actor_label) for e in entries] == [(f"user:{user_id}", "Sam Curator")]
    token = link.rsplit("/", 1)[1]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert outbox.status == "sent" and outbox.sealed_link is None
    assert "[personal sign-in link]" in outbox.body and token not in outbox.body


async def test_an_unknown_address_gets_the_same_page_and_no_e_mail(accounts: Accounts) -> None:
    await _sam(accounts)
    async with accounts.client(None) as browser:
        known = await _ask_for_link(browser, ADDRESS)
        unknown = await _ask_for_link(browser, "nobody-here@museum.example")
    assert known.status_code == unknown.status_code == 200

    def words(response: httpx.Response, address: str) -> str:
        text = response.text.replace(address, "ADDRESS")
        return "".join(line for line in text.splitlines() if 'name="csrf"' not in line)

    assert words(known, ADDRESS) == words(unknown, "nobody-here@museum.example")
    assert [m["To"] for m in accounts.smtp.collector.messages] == [f"Sam Curator <{ADDRESS}>"]


async def test_an_expired_link_is_refused_calmly_with_the_form_to_ask_again(accounts: Accounts) -> None:
    await _sam(accounts)
    async with accounts.client(None) as browser:
        await _ask_for_link(browser, ADDRESS)
        [link] = accounts.links_to(ADDRESS)
        async with accounts.sessionmaker.begin() as session:
            await session.execute(update(SignInLink).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        refused = await browser.get(_path(link))
    assert refused.status_code == 410 and "has expired" in refused.text
    assert 'action="/sign-in/email"' in refused.text and SESSION_COOKIE not in browser.cookies


async def test_a_removed_person_gets_no_link_and_an_earlier_link_no_longer_works(accounts: Accounts) -> None:
    user_id = await _sam(accounts)
    async with accounts.client(None) as browser:
        await _ask_for_link(browser, ADDRESS)
        [link] = accounts.links_to(ADDRESS)
        ok(await accounts.http.delete(f"/api/v1/users/{user_id}"), 204)
        assert (await browser.get(_path(link))).status_code == 410
        await _ask_for_link(browser, ADDRESS)
    assert len(accounts.smtp.collector.messages) == 1


async def test_links_to_one_address_are_capped_and_malformed_links_refused(accounts: Accounts) -> None:
    await _sam(accounts)
    async with accounts.client(None) as browser:
        for _ in range(7):
            assert (await _ask_for_link(browser, ADDRESS)).status_code == 200
        assert (await browser.get("/sign-in/link/short")).status_code == 410
        assert (await browser.get("/sign-in/link/" + "x" * 300)).status_code == 410
        bad = await _ask_for_link(browser, "not an address")
    assert bad.status_code == 422 and "name@example.org" in bad.text
    assert len(accounts.smtp.collector.messages) == 5


async def test_a_partner_contact_signs_in_as_themselves_for_their_organisation(accounts: Accounts) -> None:
    partner = {"name": "Harbour Heritage", "contact_name": "Ana", "contact_email": "ana@harbour.example"}
    partner_id = ok(await accounts.http.post("/api/v1/partners", json=partner), 201)["id"]
    contact = {"name": "Ana Contact", "email": "ana@harbour.example", "role": "partner", "partner_id": partner_id}
    ok(await accounts.http.post("/api/v1/users", json=contact), 201)
    async with accounts.client(None) as browser:
        await _ask_for_link(browser, "ana@harbour.example")
        [link] = accounts.links_to("ana@harbour.example")
        assert (await browser.get(_path(link))).status_code == 200
        refused = await browser.get("/users", follow_redirects=False)  # staff only: the header still says who
        assert refused.status_code == 403 and "Signed in: Ana Contact, Harbour Heritage (partner)" in refused.text
