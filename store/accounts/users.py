"""User accounts: added, listed, changed and removed by the API in a request; never committed here.

Removing an account keeps its row (`removed_at` set) so the audit trail and timelines still name the
person, and deletes every page session and unused sign-in link of theirs in the same transaction: a
removed person is signed out everywhere at once. Erasing the person (store.people.erasure) also
scrubs the name and the address.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.hashing import email_hash
from store.paging import count_rows
from store.tables import ApiKey, SignInLink, UserAccount, WebSession


async def create_user(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    role: str,
    partner_id: str | None,
    created_by: str,
    now: datetime,
) -> UserAccount:
    """Add an account; an address already held by another account fails here (unique `email_hash`)."""
    row = UserAccount(
        id=uuid.uuid4().hex,
        name=name,
        email=email.strip(),
        email_hash=email_hash(email),
        role=role,
        partner_id=partner_id,
        created_at=now,
        created_by=created_by,
        removed_at=None,
    )
    session.add(row)
    await session.flush()
    return row


async def get_user(session: AsyncSession, user_id: str) -> UserAccount | None:
    return await session.get(UserAccount, user_id)


async def find_by_email(session: AsyncSession, email: str) -> UserAccount | None:
    """The account holding this address (compared trimmed and lower-cased, by its hash), removed or not."""
    return await session.scalar(select(UserAccount).where(UserAccount.email_hash == email_hash(email)))


async def list_users(
    session: AsyncSession,
    *,
    roles: Collection[str],
    limit: int,
    offset: int,
    include_removed: bool = False,
    partner_id: str | None = None,
) -> tuple[list[UserAccount], int]:
    """Accounts of these roles (of one partner organisation when `partner_id` is given), by name; removed
    ones only when asked."""
    query = select(UserAccount).where(UserAccount.role.in_(list(roles)))
    if partner_id is not None:
        query = query.where(UserAccount.partner_id == partner_id)
    if not include_removed:
        query = query.where(UserAccount.removed_at.is_(None))
    total = await count_rows(session, query)
    rows = await session.scalars(query.order_by(UserAccount.name, UserAccount.id).limit(limit).offset(offset))
    return list(rows), total


async def change_user(session: AsyncSession, row: UserAccount, *, name: str | None, email: str | None) -> None:
    """Change the name and/or the address; a new address already held fails at the flush."""
    if name is not None:
        row.name = name
    if email is not None:
        row.email = email.strip()
        row.email_hash = email_hash(email)
    await session.flush()


async def remove_user(session: AsyncSession, row: UserAccount, now: datetime) -> int:
    """Mark the account removed and end every session and unused link of theirs; the sessions ended."""
    if row.removed_at is None:
        row.removed_at = now
    ended = await session.execute(delete(WebSession).where(WebSession.user_id == row.id))
    await session.execute(delete(SignInLink).where(SignInLink.user_id == row.id, SignInLink.used_at.is_(None)))
    await session.flush()
    return int(getattr(ended, "rowcount", 0) or 0)


async def names_of(session: AsyncSession, actor_ids: Collection[str]) -> dict[str, str]:
    """Who created what, in words: `user:<id>` -> the person's name, a key id -> its label."""
    users = [actor.removeprefix("user:") for actor in actor_ids if actor.startswith("user:")]
    keys = [actor for actor in actor_ids if not actor.startswith("user:")]
    found: dict[str, str] = {}
    if users:
        for user_id, name in await session.execute(
            select(UserAccount.id, UserAccount.name).where(UserAccount.id.in_(users))
        ):
            found[f"user:{user_id}"] = name
    if keys:
        for key_id, label in await session.execute(select(ApiKey.id, ApiKey.label).where(ApiKey.id.in_(keys))):
            found[key_id] = label or "API key"
    return found
