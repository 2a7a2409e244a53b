"""Single-use sign-in links and the e-mail that carries one; never committed here.

Only the sha256 of a link's token is stored (`sign_in_link.token_hash`). The e-mail is queued in the
outbox (kind `account`) with `[personal sign-in link]` in its body, the real link sealed beside it
(store.link_seal) until it is sent, as survey links are: the outbox staff read never holds a working
link. Using a link is one guarded UPDATE (`used_at` still NULL, not yet expired), so two uses racing
each other sign in at most once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.hashing import email_hash, hash_token
from store.link_seal import LinkSeal
from store.tables import OutboxEmail, SignInLink, UserAccount

#: What staff read in place of a person's sign-in link in the outbox.
SIGN_IN_LINK = "[personal sign-in link]"


@dataclass(frozen=True)
class LinkUse:
    """What using a link found: the account it signed in (None when refused) and why not."""

    user: UserAccount | None
    reason: str = ""  # "unknown", "used", "expired" or "removed" when refused


async def links_since(session: AsyncSession, user_id: str, since: datetime) -> int:
    """How many links this account was sent since `since` (the per-address limit counts these)."""
    counted = await session.scalar(
        select(func.count()).select_from(SignInLink).where(SignInLink.user_id == user_id, SignInLink.created_at > since)
    )
    return int(counted or 0)


async def create_link(session: AsyncSession, user_id: str, raw_token: str, now: datetime, valid: timedelta) -> None:
    """Store a new link by its token's hash; links of anyone that expired a day ago are swept on the way."""
    await session.execute(delete(SignInLink).where(SignInLink.expires_at <= now - timedelta(days=1)))
    session.add(SignInLink(token_hash=hash_token(raw_token), user_id=user_id, created_at=now, expires_at=now + valid))
    await session.flush()


async def queue_link_email(
    session: AsyncSession,
    user: UserAccount,
    *,
    raw_token: str,
    link: str,
    subject: str,
    body: str,
    seal: LinkSeal,
    status: str,
    now: datetime,
) -> OutboxEmail:
    """The sign-in e-mail in the outbox: `body` says `SIGN_IN_LINK` where the link goes; the link is sealed
    to the row's dedupe key (the token's hash, never the token)."""
    dedupe_key = f"sign-in:{hashlib.sha256(raw_token.encode()).hexdigest()}"
    row = OutboxEmail(
        dedupe_key=dedupe_key,
        event_id=f"sign-in:{user.id}",
        project_id=None,
        audience="account",
        to_name=user.name,
        to_address=user.email,
        subject=subject,
        body=body,
        created_at=now,
        status=status,
        attempts=0,
        kind="account",
        recipient_hash=email_hash(user.email),
        sealed_link=seal.seal(link, dedupe_key) if status == "queued" else None,
    )
    session.add(row)
    await session.flush()
    return row


async def use_link(session: AsyncSession, raw_token: str, now: datetime) -> LinkUse:
    """Spend a link: its account when it was unused, unexpired and the account not removed."""
    digest = hash_token(raw_token)
    link = await session.get(SignInLink, digest)
    if link is None:
        return LinkUse(None, "unknown")
    if link.used_at is not None:
        return LinkUse(None, "used")
    if link.expires_at <= now:
        return LinkUse(None, "expired")
    spent = await session.execute(
        update(SignInLink)
        .where(SignInLink.token_hash == digest, SignInLink.used_at.is_(None), SignInLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(spent, "rowcount", 0) or 0) != 1:
        return LinkUse(None, "used")  # another request spent it first
    user = await session.get(UserAccount, link.user_id)
    if user is None or user.removed_at is not None:
        return LinkUse(None, "removed")
    return LinkUse(user)
