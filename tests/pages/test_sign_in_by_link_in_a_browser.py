"""Signing in by e-mailed link in headless Chromium (issue 15): a staff member asks for a link on the
sign-in page, opens the one a real SMTP server (aiosmtpd) received, lands signed in under their own
name, adds a partner contact on the People page, sees the keys page; the same link opened again is
refused calmly. axe-core finds no serious or critical problem on any of these pages.

Served by its own uvicorn (as tests.pages.conftest `site`, no worker: nothing here runs a workflow),
so the app's SMTP_URL and public address are this test's.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.settings import ApiSettings
from tests.pages.axe import axe_violations, failing
from tests.pages.conftest import ADMIN_KEY, _loopback_socket, served
from tests.smtp_fixtures import SmtpServer

ADDRESS = "sam.curator@museum.example"


@dataclass
class MailSite:
    base_url: str
    smtp: SmtpServer

    def links(self) -> list[str]:
        found: list[str] = []
        for message in self.smtp.collector.messages:
            payload = message.get_payload(decode=True)
            text = payload.decode() if isinstance(payload, bytes) else str(message.get_payload())
            found += re.findall(re.escape(self.base_url) + r"/sign-in/link/[A-Za-z0-9_-]+", text)
        return found


@pytest.fixture
async def mail_site(
    temporal_dev_env: WorkflowEnvironment,
    task_queue: str,
    sqlite_sessionmaker: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> AsyncIterator[MailSite]:
    sock = _loopback_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue, base_url=base_url, smtp_url=smtp_server.url)
    app = create_app(settings, client=temporal_dev_env.client, sessionmaker=sqlite_sessionmaker)
    async with served(app, sock):
        yield MailSite(base_url, smtp_server)


async def _checked(page: Page, label: str, screenshots: Path) -> None:
    await page.screenshot(path=str(screenshots / f"{label}.png"), full_page=True)
    assert failing(await axe_violations(page, label)) == []


async def test_a_staff_member_signs_in_by_e_mailed_link_and_adds_a_partner_contact(
    mail_site: MailSite, browser: Browser, screenshots: Path
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with httpx.AsyncClient(base_url=mail_site.base_url, headers=headers) as admin:
        user = {"name": "Sam Curator", "email": ADDRESS, "role": "staff"}
        assert (await admin.post("/api/v1/users", json=user)).status_code == 201
        partner = {"name": "Harbour Heritage", "contact_name": "Ana", "contact_email": "ana@harbour.example"}
        assert (await admin.post("/api/v1/partners", json=partner)).status_code == 201

    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{mail_site.base_url}/sign-in")
    await _checked(page, "sign-in", screenshots)
    await page.get_by_label("E-mail address").fill(ADDRESS)
    await page.get_by_role("button", name="E-mail me a sign-in link").click()
    await page.get_by_text("Check your e-mail").wait_for()
    await _checked(page, "sign-in-link-sent", screenshots)

    for _ in range(100):  # the e-mail is sent just after the answer
        if mail_site.links():
            break
        await asyncio.sleep(0.05)
    [link] = mail_site.links()
    await page.goto(link)
    await page.wait_for_url(f"{mail_site.base_url}/projects")
    assert "Signed in: Sam Curator (staff)" in await page.inner_text("header")
    await _checked(page, "signed-in-by-link", screenshots)

    await page.get_by_role("link", name="People").click()
    await page.get_by_label("Name", exact=True).fill("Ana Contact")
    await page.get_by_label("E-mail address").fill("ana@harbour.example")
    await page.get_by_label("Partner organisation (partner contacts only)").select_option(label="Harbour Heritage")
    await page.get_by_role("button", name="Add person").click()
    await page.get_by_text("Ana Contact added").wait_for()
    assert "Partner contact" in await page.inner_text("table")
    await _checked(page, "users", screenshots)

    await page.get_by_role("link", name="API keys").click()
    await page.get_by_role("heading", name="API keys").wait_for()
    await _checked(page, "keys", screenshots)

    other = await (await browser.new_context()).new_page()
    await other.goto(link)
    assert "already been used" in await other.inner_text("main")
    await _checked(other, "sign-in-link-used", screenshots)
    await context.close()
