"""A person signed in by e-mailed link acts under their own name (issue 15): a staff member pauses a
project on its page and the timeline's event names them (actor and actor_name); a partner contact's
submission names them and their organisation. Over the real app, a real worker and the dev server.
The link is made in the store, as sign_in.request_link makes it (the e-mail itself is tested in
tests/accounts)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

import httpx

from api.accounts.sign_in import LINK_PATH, LINK_VALID
from store.accounts import links as account_links
from tests.api.conftest import Api, http_client
from tests.api.support import create_partner, create_project, eventually, ok

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def _hidden(page: httpx.Response, pattern: re.Pattern[str]) -> str:
    found = pattern.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


async def test_a_staff_member_signed_in_by_link_is_named_on_the_timeline(api: Api) -> None:
    body = {"name": "Sam Curator", "email": "sam@museum.example", "role": "staff"}
    user_id = ok(await api.http.post("/api/v1/users", json=body), 201)["id"]
    raw = secrets.token_urlsafe(24)
    async with api.sessionmaker() as session:
        await account_links.create_link(session, user_id, raw, datetime.now(UTC), LINK_VALID)
        await session.commit()
    project_id = (await create_project(api, [(await create_partner(api))["id"]]))["id"]

    async with http_client(api.app, None) as browser:
        assert (await browser.get(f"{LINK_PATH}{raw}")).status_code == 200
        page = await browser.get(f"/projects/{project_id}")
        assert "Signed in: Sam Curator (staff)" in page.text
        form = {"csrf": _hidden(page, CSRF), "nonce": _hidden(page, NONCE), "reason": ""}
        paused = await browser.post(f"/projects/{project_id}/decisions/pause", data=form)
        assert paused.status_code == 303, paused.text

    async def paused_events() -> list[dict[str, str]]:
        events = ok(await api.http.get(f"/api/v1/projects/{project_id}/events"), 200)["items"]
        return [e for e in events if e["type"] == "project_paused"]

    [event] = await eventually(paused_events, lambda found: len(found) == 1)
    assert (event["actor"], event["actor_name"]) == ("Sam Curator", "Sam Curator")


async def test_a_partner_contact_signed_in_by_link_is_named_with_their_organisation(api: Api) -> None:
    partner = await create_partner(api)
    body = {"name": "Ana Lopez", "email": "ana@harbour.example", "role": "partner", "partner_id": partner["id"]}
    user_id = ok(await api.http.post("/api/v1/users", json=body), 201)["id"]
    raw = secrets.token_urlsafe(24)
    async with api.sessionmaker() as session:
        await account_links.create_link(session, user_id, raw, datetime.now(UTC), LINK_VALID)
        await session.commit()
    project_id = (await create_project(api, [partner["id"]]))["id"]

    async def submitted() -> list[dict[str, str]]:
        events = ok(await api.http.get(f"/api/v1/projects/{project_id}/events"), 200)["items"]
        return [e for e in events if e["type"] == "milestone_submitted"]

    async with http_client(api.app, None) as browser:
        assert (await browser.get(f"{LINK_PATH}{raw}")).status_code == 200
        page = await browser.get(f"/projects/{project_id}")
        form = {"csrf": _hidden(page, CSRF), "nonce": _hidden(page, NONCE), "summary": "Our proposal", "links": ""}
        sent = await browser.post(f"/projects/{project_id}/milestones/proposal/submit", files={}, data=form)
        assert sent.status_code == 303, sent.text
        [event] = await eventually(submitted, lambda found: len(found) == 1)
        page = await browser.get(f"/projects/{project_id}")

    # The workflow records the person's name (never an address): the timeline names them, and the
    # submission on the project page names them with their organisation (a partner key: the organisation).
    assert (event["actor"], event["actor_name"]) == ("Ana Lopez", "Ana Lopez")
    assert f"#1 by <strong>Ana Lopez, {partner['name']}</strong> (partner)" in page.text
