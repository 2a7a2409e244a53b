"""Partners, API keys and page sessions, written by the API in a request.

Functions add or change rows in the caller's session and never commit: the API service or route owns
the transaction (see store/__init__). A key is stored by its hash only.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import ApiKey, Partner, WebSession


async def create_partner(
    session: AsyncSession, *, name: str, contact_name: str, contact_email: str, now: datetime
) -> Partner:
    partner = Partner(
        id=uuid.uuid4().hex, name=name, contact_name=contact_name, contact_email=contact_email, created_at=now
    )
    session.add(partner)
    await session.flush()  # a name already registered fails here, at the call, not at the caller's commit
    return partner


async def create_api_key(
    session: AsyncSession,
    *,
    key_hash: str,
    prefix: str,
    role: str,
    partner_id: str | None,
    label: str,
    now: datetime,
) -> ApiKey:
    """Store a new key by its hash only; the caller shows the key itself once and forgets it."""
    key = ApiKey(
        id=uuid.uuid4().hex,
        key_hash=key_hash,
        prefix=prefix,
        role=role,
        partner_id=partner_id,
        label=label,
        created_at=now,
        revoked_at=None,
    )
    session.add(key)
    await session.flush()
    return key


async def start_web_session(
    session: AsyncSession, session_id: str, key_id: str, now: datetime, expires_at: datetime
) -> None:
    """Record a page sign-in; expired rows of any key are swept on the way (they accept nothing)."""
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.add(WebSession(id=session_id, key_id=key_id, created_at=now, expires_at=expires_at))
    await session.flush()


async def end_web_session(session: AsyncSession, session_id: str) -> None:
    """Sign out: the session's cookie is refused from now on, by every replica."""
    await session.execute(delete(WebSession).where(WebSession.id == session_id))


async def revoke_api_key(session: AsyncSession, key_id: str, now: datetime) -> None:
    """Mark the key revoked; revoking twice keeps the first time."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=now))


async def key_used(session: AsyncSession, key_id: str, now: datetime) -> None:
    """Record that the key authenticated (the keys page shows it); the caller throttles how often."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
