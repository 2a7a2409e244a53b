"""Sending a sign-in link's e-mail from the API: written to the outbox first, then sent over SMTP.

Why here and not through the worker's `deliver_emails`: that activity sends e-mails of workflow events,
and a sign-in link belongs to no workflow; starting one per sign-in would put a person's wait for
their link behind a task queue. The API therefore sends it itself, with the worker's mail settings
(`SMTP_URL`, `ENGAGE_MAIL_FROM`, `ENGAGE_OUTBOX_KEY`; api.settings). The URL is parsed as the worker
parses it (activities.email.SmtpTarget; the API never imports activities, tests/test_architecture.py).

The outbox row says `[personal sign-in link]`; the link is sealed beside it (store.link_seal) and
unsealed only into the message sent; once sent or refused the sealed link is set to NULL. Any SMTP
failure marks the row failed (a link lives 15 minutes: the person asks again rather than wait for a
retry). Logs name the outbox id and the failure's kind, never the address.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import ApiSettings
from store.accounts.links import SIGN_IN_LINK
from store.link_seal import LinkSeal
from store.tables import OutboxEmail

log = logging.getLogger("engage.api.accounts.mail")

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Smtp:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None

    @classmethod
    def parse(cls, url: str) -> Smtp:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587?starttls=true or smtps://host:465")
        starttls = parse_qs(parts.query).get("starttls", [None])[0]
        implicit = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit,
            start_tls=None if implicit or starttls is None else starttls.lower() in _TRUE,
        )

    def client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=False if self.use_tls else self.start_tls,
            timeout=30,
        )


def link_seal(settings: ApiSettings) -> LinkSeal:
    return LinkSeal.from_setting(settings.outbox_key.get_secret_value() if settings.outbox_key else None)


def _message(row: OutboxEmail, sender: str, body: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((row.to_name, row.to_address))
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "engage.localhost"
    message["Message-ID"] = f"<{hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:32]}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


async def _mark(sessionmaker: async_sessionmaker[AsyncSession], outbox_id: int, **values: Any) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == outbox_id, OutboxEmail.status == "queued")
            .values(sealed_link=None, **values)
        )


async def send_queued(sessionmaker: async_sessionmaker[AsyncSession], settings: ApiSettings, outbox_id: int) -> None:
    """Send one queued sign-in e-mail and record the outcome on its outbox row. Never raises."""
    if settings.smtp_url is None:
        return
    async with sessionmaker() as session:
        row = await session.get(OutboxEmail, outbox_id)
    if row is None or row.status != "queued" or row.sealed_link is None:
        return
    link = link_seal(settings).unseal(row.sealed_link, row.dedupe_key)
    now = datetime.now(UTC)
    if link is None:
        await _mark(sessionmaker, outbox_id, status="failed", last_error="the sign-in link could not be unsealed")
        return
    try:
        async with Smtp.parse(settings.smtp_url).client() as smtp:
            await smtp.send_message(_message(row, settings.mail_from, row.body.replace(SIGN_IN_LINK, link), now))
    except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
        await _mark(sessionmaker, outbox_id, status="failed", attempts=1, last_error=type(exc).__name__)
        log.warning("sign-in e-mail not sent", extra={"outbox_id": outbox_id, "error": type(exc).__name__})
        return
    await _mark(sessionmaker, outbox_id, status="sent", attempts=1, sent_at=now, last_error=None)
    log.info("sign-in e-mail sent", extra={"outbox_id": outbox_id})
