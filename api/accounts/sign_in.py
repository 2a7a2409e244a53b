"""Signing in with an e-mailed link: asking for one, and using it.

Asking answers the same whatever the address: only for a known account that is not removed is a
link made (192 random bits; only its sha256 is stored), written to the outbox (kind `account`, the
link sealed) and sent after the answer, so neither the words nor the time taken tell whether the
address is known. At most `sign_in_links_per_address` links go to one account per 15 minutes; more
asks are answered alike and send nothing. A link signs in once, within 15 minutes: it then opens a
server-side session (`web_session` with the account's id) named `user:<id>` (api.auth).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.mail import link_seal
from api.auth import Principal, audit_trail, hash_key, principal_of_user
from api.pages.session import SESSION_SECONDS, new_session_id
from api.settings import ApiSettings
from store.accounts import links as account_links
from store.accounts import users as account_users
from store.accounts.links import SIGN_IN_LINK
from store.tables import WebSession

LINK_VALID = timedelta(minutes=15)
#: The path a link opens; the token follows it.
LINK_PATH = "/sign-in/link/"
SUBJECT = "Your link to sign in to Engage"
BODY = (
    "Hello {name},\n\n"
    "Someone (we hope you) asked to sign in to Engage with this e-mail address. "
    "Open this link within 15 minutes to sign in:\n\n"
    f"{SIGN_IN_LINK}\n\n"
    "The link works once. If you did not ask for it, ignore this e-mail: nobody can sign in without it.\n"
)


@dataclass(frozen=True)
class SignedIn:
    """A link used: the person's principal, the session row started, and the key hash its cookie binds."""

    principal: Principal
    session_id: str
    key_hash: str


async def request_link(sessionmaker: async_sessionmaker[AsyncSession], settings: ApiSettings, email: str) -> int | None:
    """Queue a sign-in e-mail if `email` belongs to an account that may sign in; the outbox id to send
    (None when nothing is to be sent: unknown, removed, too many asks, or no SMTP configured)."""
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        user = await account_users.find_by_email(session, email)
        if user is None or user.removed_at is not None:
            return None
        if await account_links.links_since(session, user.id, now - LINK_VALID) >= settings.sign_in_links_per_address:
            return None
        raw = secrets.token_urlsafe(24)
        await account_links.create_link(session, user.id, raw, now, LINK_VALID)
        row = await account_links.queue_link_email(
            session,
            user,
            raw_token=raw,
            link=f"{settings.base_url.rstrip('/')}{LINK_PATH}{raw}",
            subject=SUBJECT,
            body=BODY.format(name=user.name),
            seal=link_seal(settings),
            status="queued" if settings.smtp_url else "held",
            now=now,
        )
        await audit_trail(session, principal_of_user(user), "sign_in_link_sent", user.id, now)
        await session.commit()
        return row.id if settings.smtp_url else None


async def use_link(sessionmaker: async_sessionmaker[AsyncSession], raw_token: str) -> SignedIn | str:
    """Spend the link and open a session: what signed in, or why not ("unknown", "used", "expired",
    "removed"), in one transaction so a refused link changes nothing."""
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        used = await account_links.use_link(session, raw_token, now)
        if used.user is None:
            await session.rollback()
            return used.reason
        principal = principal_of_user(used.user)
        session_id = new_session_id()
        session.add(
            WebSession(
                id=session_id,
                key_id=principal.key_id,
                user_id=used.user.id,
                created_at=now,
                expires_at=now + timedelta(seconds=SESSION_SECONDS),
            )
        )
        await audit_trail(session, principal, "signed_in", principal.key_id, now, detail={"by": "e-mailed link"})
        await session.commit()
    return SignedIn(principal=principal, session_id=session_id, key_hash=hash_key(principal.key_id))
