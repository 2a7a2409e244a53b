"""How an outbox row becomes an e-mail, and where it is sent: shared by the worker's `deliver_emails`
(activities/email.py) and the API's sign-in e-mails (api/accounts/mail.py), which may not import each
other (tests/test_architecture.py). Written once so both parse SMTP_URL alike and give every attempt at
one row the same Message-ID.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from store.tables import OutboxEmail

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpTarget:
    """An SMTP server parsed from SMTP_URL: `smtp://user:pass@host:587?starttls=true` or `smtps://host:465`."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587?starttls=true or smtps://host:465")
        options = parse_qs(parts.query)
        starttls = options.get("starttls", [None])[0]
        implicit = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit,
            # None lets aiosmtplib upgrade when the server offers STARTTLS; the URL can force either way.
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


def message_id(dedupe_key: str, sender: str) -> str:
    """The same Message-ID for every attempt at one outbox row, so receivers can de-duplicate."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "engage.localhost"
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(row: OutboxEmail, sender: str, now: datetime, body: str | None = None) -> EmailMessage:
    """The e-mail for a row; `body` replaces the row's (one with its personal link in)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((row.to_name, row.to_address))
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(row.dedupe_key, sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body if body is None else body)
    return message
