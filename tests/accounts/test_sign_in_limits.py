"""Asking for sign-in links, and using them, is rate-limited per client address: over the limit the
page says so in words (429 with Retry-After) before anything is read or sent."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.main import create_app
from api.settings import ApiSettings
from tests.accounts.conftest import ADMIN_KEY, BASE_URL
from tests.accounts.test_users_api import _ask_for_link
from tests.smtp_fixtures import SmtpServer


async def test_link_requests_and_uses_over_the_limit_are_429_in_words(
    sqlite_sessionmaker: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    settings = ApiSettings(
        admin_key=ADMIN_KEY, base_url=BASE_URL, smtp_url=smtp_server.url, rate_limit_sign_in_link="3/minute"
    )
    app = create_app(settings, sessionmaker=sqlite_sessionmaker)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as browser:
        for _ in range(3):
            assert (await _ask_for_link(browser, "someone@museum.example")).status_code == 200
        over = await _ask_for_link(browser, "someone@museum.example")
        assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0
        assert "Too many sign-in attempts" in over.text
        guessed = await browser.get("/sign-in/link/abcdefghijklmnopqrstuvwx")
        assert guessed.status_code == 429
    assert smtp_server.collector.messages == []
