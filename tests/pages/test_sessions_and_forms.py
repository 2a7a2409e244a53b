"""Sessions, CSRF and form refusals, over HTTP without a browser (fast): the rules the pages rely on.

- signed out, a page sends you to sign in; a wrong key is refused on the form with the reason;
- the session cookie is HttpOnly + SameSite=Strict, names the key's id and never holds the key;
  revoking the key ends the session at once;
- a POST without this session's form token does nothing (403);
- bad input comes back on the page as 422 naming the field; staff pages are 403 for partners;
- the JSON API still answers JSON.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.auth import Role, issue_key
from api.main import create_app
from api.pages.session import SESSION_COOKIE, SESSION_SECONDS, Signer
from api.settings import ApiSettings
from store.partners import reads as partner_reads
from store.partners import writes as partner_writes
from tests.pages.conftest import ADMIN_KEY

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def app(
    temporal_dev_env: WorkflowEnvironment, task_queue: str, sqlite_sessionmaker: async_sessionmaker[AsyncSession]
) -> FastAPI:
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue)
    return create_app(settings, client=temporal_dev_env.client, sessionmaker=sqlite_sessionmaker)


@pytest.fixture
async def browser_like(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://engage.test") as http:
        yield http


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, key: str) -> httpx.Response:
    form = await http.get("/")
    return await http.post("/sign-in", data={"csrf": csrf_of(form), "key": key, "next": "/projects"})


async def staff_key(app: FastAPI, role: Role = Role.STAFF, partner_id: str | None = None) -> tuple[str, str]:
    async with app.state.sessionmaker() as session:
        row, key = await issue_key(session, role=role, partner_id=partner_id, label="desk", now=datetime.now(UTC))
    return row.id, key


async def test_signed_out_pages_ask_for_sign_in_and_a_wrong_key_is_refused_with_the_reason(browser_like):
    answer = await browser_like.get("/projects")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/?next=/projects"

    refused = await sign_in(browser_like, "engage_not-a-key")
    assert refused.status_code == 401
    assert "That key was not recognised" in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert SESSION_COOKIE not in browser_like.cookies


async def test_the_session_cookie_names_the_key_id_only_and_ends_when_the_key_is_revoked(app, browser_like):
    key_id, key = await staff_key(app)
    signed_in = await sign_in(browser_like, key)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/projects"
    [cookie] = [c for c in signed_in.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    token = browser_like.cookies[SESSION_COOKIE]
    assert key not in token and key[7:] not in token
    claims = app.state.pages.signer.read_session(token)
    assert claims is not None and claims.key_id == key_id
    assert (await browser_like.get("/projects")).status_code == 200

    async with app.state.sessionmaker.begin() as session:
        await partner_writes.revoke_api_key(session, key_id, datetime.now(UTC))
    assert (await browser_like.get("/projects")).status_code == 303


async def test_a_post_without_this_sessions_form_token_does_nothing(app, browser_like):
    await sign_in(browser_like, ADMIN_KEY)
    body = {"name": "Forged", "contact_name": "X", "contact_email": "x@example.org"}
    forged = await browser_like.post("/partners", data={**body, "csrf": "forged"})
    assert forged.status_code == 403
    assert "Form expired" in forged.text
    assert (await browser_like.post("/partners", data=body)).status_code == 403
    async with app.state.sessionmaker() as session:
        assert (await partner_reads.list_partners(session, only_id=None, limit=10, offset=0))[1] == 0
    # The sign-in form is bound to its pre-session cookie the same way.
    assert (await browser_like.post("/sign-in", data={"key": ADMIN_KEY})).status_code == 403


async def test_bad_input_comes_back_on_the_page_naming_the_field(browser_like):
    await sign_in(browser_like, ADMIN_KEY)
    page = await browser_like.get("/projects")
    answer = await browser_like.post(
        "/projects",
        data={
            "csrf": csrf_of(page),
            "template": "co-curation",
            "title": "",
            "lead_name": "Lead",
            "lead_email": "not-an-address",
            "timezone": "Mars/Olympus",
        },
    )
    assert answer.status_code == 422
    assert "The project was not started." in answer.text
    assert 'id="new-title-error"' in answer.text and 'id="new-lead_email-error"' in answer.text
    assert "Choose a time zone such as Europe/London" in answer.text
    assert 'value="Lead"' in answer.text  # what was typed is kept

    unknown = await browser_like.post(
        "/projects",
        data={
            "csrf": csrf_of(page),
            "template": "co-curation",
            "title": "T",
            "lead_name": "Lead",
            "lead_email": "lead@museum.example",
            "partner_ids": "no-such-partner",
        },
    )
    assert unknown.status_code == 422
    assert "no partner has the id" in unknown.text


async def test_staff_pages_are_refused_to_partners_and_the_json_api_still_answers_json(app, browser_like):
    async with app.state.sessionmaker.begin() as session:
        partner = await partner_writes.create_partner(
            session, name="P", contact_name="C", contact_email="c@example.org", now=datetime.now(UTC)
        )
        partner_id = partner.id
    _, key = await staff_key(app, Role.PARTNER, partner_id)
    await sign_in(browser_like, key)
    assert (await browser_like.get("/projects")).status_code == 200
    for path in ("/partners", "/outbox"):
        assert (await browser_like.get(path)).status_code == 403
    missing = await browser_like.get("/projects/does-not-exist")
    assert missing.status_code == 404 and "Page not found" in missing.text
    invalid_id = await browser_like.get("/projects/not%20an%20id")
    assert invalid_id.status_code == 404 and "Page not found" in invalid_id.text

    api = await browser_like.get("/api/v1/projects/not%20an%20id", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert api.status_code == 404 and api.json()["detail"] == "Project not found."


def test_a_tampered_or_expired_session_token_is_not_a_session():
    signer = Signer(b"k" * 32)
    token = signer.session_token("session-id", "key-id", "hash", now=1_000)
    assert signer.read_session(token, now=1_001) is not None
    assert signer.read_session(token, now=1_000 + SESSION_SECONDS) is None
    body, signature = token.rsplit(".", 1)
    assert signer.read_session(f"{body}.{signature[::-1]}", now=1_001) is None
    assert signer.read_session(token.replace("v1.", "v2.", 1), now=1_001) is None
    assert Signer(b"other" * 8).read_session(token, now=1_001) is None
    assert signer.csrf_ok(token, signer.csrf_token(token))
    assert not signer.csrf_ok(token, signer.csrf_token("another session"))
