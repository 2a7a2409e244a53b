"""The accounts tests' app: the real app on a real database (SQLite and PostgreSQL) with a real SMTP
server (aiosmtpd); no Temporal needed, as accounts and sign-in never touch a workflow."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import Message

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.main import create_app
from api.settings import ApiSettings
from tests.smtp_fixtures import SmtpServer

ADMIN_KEY = "engage_test-admin-key-not-for-production"
BASE_URL = "http://engage.test"
LINK = re.compile(r"http://engage\.test/sign-in/link/[A-Za-z0-9_-]+")


@dataclass
class Accounts:
    app: FastAPI
    http: httpx.AsyncClient
    sessionmaker: async_sessionmaker[AsyncSession]
    smtp: SmtpServer

    def client(self, key: str | None = ADMIN_KEY) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE_URL, headers=headers)

    def links_to(self, address: str) -> list[str]:
        """The sign-in links in the e-mails the SMTP server received for `address`, oldest first."""
        return [LINK.findall(_text(m))[0] for m in self.smtp.collector.messages if address in m["To"]]


def _text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(message.get_payload())


@pytest.fixture
async def accounts(sessionmaker: async_sessionmaker[AsyncSession], smtp_server: SmtpServer) -> AsyncIterator[Accounts]:
    settings = ApiSettings(admin_key=ADMIN_KEY, base_url=BASE_URL, smtp_url=smtp_server.url)
    app = create_app(settings, sessionmaker=sessionmaker)
    app.state.client = None  # 👉 no lifespan: nothing here talks to Temporal
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ) as http:
        yield Accounts(app=app, http=http, sessionmaker=sessionmaker, smtp=smtp_server)
