"""Sending a sign-in link's e-mail from the API: written to the outbox first, then sent over SMTP.

Why here and not through the worker's `deliver_emails`: that activity sends e-mails of workflow events,
and a sign-in link belongs to no workflow; starting one per sign-in would put a person's wait for
their link behind a task queue. The API therefore sends it itself, with the worker's mail settings
(`SMTP_URL`, `ENGAGE_MAIL_FROM`, `ENGAGE_OUTBOX_KEY`; api.settings). The URL is parsed as the worker
parses it, and the message built alike (store.outbox_mail, shared with activities/email.py).

The outbox row says `[personal sign-in link]`; the link is sealed beside it (store.link_seal) and
unsealed only into the message sent; once sent or refused the sealed link is set to NULL. Any SMTP
failure marks the row failed (a link lives 15 minutes: the person asks again rather than wait for a
retry). Logs name the outbox id and the failure's kind, never the address.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import aiosmtplib
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import ApiSettings
from store.accounts.links import SIGN_IN_LINK
from store.link_seal import LinkSeal
from store.outbox_mail import SmtpTarget, build_message
from store.tables import OutboxEmail

log = logging.getLogger("engage.api.accounts.mail")


def link_seal(settings: ApiSettings) -> LinkSeal:
    return LinkSeal.from_setting(settings.outbox_key.get_secret_value() if settings.outbox_key else None)


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
        async with SmtpTarget.parse(settings.smtp_url).client() as smtp:
            await smtp.send_message(build_message(row, settings.mail_from, now, row.body.replace(SIGN_IN_LINK, link)))
    except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
        await _mark(sessionmaker, outbox_id, status="failed", attempts=1, last_error=type(exc).__name__)
        log.warning("sign-in e-mail not sent", extra={"outbox_id": outbox_id, "error": type(exc).__name__})
        return
    await _mark(sessionmaker, outbox_id, status="sent", attempts=1, sent_at=now, last_error=None)
    log.info("sign-in e-mail sent", extra={"outbox_id": outbox_id})
