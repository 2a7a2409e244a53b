"""A person's calendar feed (issue 15): someone signed in by e-mailed link makes a feed on the Calendar page
(keyed `user:<id>`, so accounts and keys both work); the feed stops when the account is removed, and their
erasure deletes it. SQLite and PostgreSQL, real SMTP (aiosmtpd) for the link."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from store.people.erasure import erase_person
from store.tables import CalendarFeed
from tests.accounts.conftest import Accounts
from tests.accounts.test_sign_in_links import ADDRESS, _path, _sam
from tests.accounts.test_users_api import _ask_for_link

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FEED = re.compile(r'id="feed-url"[^>]*value="([^"]+)"')


async def test_an_accounts_feed_is_keyed_by_the_person_ends_with_the_account_and_goes_with_erasure(
    accounts: Accounts,
) -> None:
    user_id = await _sam(accounts, role="staff")
    async with accounts.client(None) as browser:
        await _ask_for_link(browser, ADDRESS)
        [link] = accounts.links_to(ADDRESS)
        assert (await browser.get(_path(link))).status_code == 200
        page = await browser.get("/calendar")
        assert page.status_code == 200 and "You have no calendar feed yet." in page.text
        made = await browser.post("/calendar/feed", data={"csrf": CSRF.findall(page.text)[-1]})
        assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
        feed_path = "/calendar/" + FEED.findall(made.text)[0].rsplit("/calendar/", 1)[1]

    async with accounts.client(None) as calendar_app:
        answer = await calendar_app.get(feed_path)
        assert answer.status_code == 200 and answer.text.startswith("BEGIN:VCALENDAR")
        async with accounts.sessionmaker() as session:
            [feed] = (await session.scalars(select(CalendarFeed))).all()
        assert feed.owner_key_id == f"user:{user_id}"

        assert (await accounts.http.delete(f"/api/v1/users/{user_id}")).status_code == 204
        assert (await calendar_app.get(feed_path)).status_code == 404, "a removed account's feed shows nothing"

    async with accounts.sessionmaker() as session:
        await erase_person(session, ADDRESS, datetime.now(UTC))
        await session.commit()
        assert (await session.scalars(select(CalendarFeed))).all() == []
