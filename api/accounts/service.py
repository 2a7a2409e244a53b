"""Accounts of the people who sign in: the one code path behind `/api/v1/users` and the `/users` page.

Who manages whom: an admin adds, changes and removes staff and admins (and partner contacts, as any
staff member may); staff manage partner contacts only, and see only them. Anyone else's account is
refused 403 (the access rule `staff` has already refused partners). An address already held by
another account is 409 `UserExists` on `email`, checked first and, when two requests race, by the
unique `email_hash`; an address of a removed account brings that account back with what was sent.
Removing sets `removed_at` and ends every session of the person at once. Each action is audited by
id in its own transaction, never with the name or address.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.schemas import UserCreate, UserUpdate
from api.auth import Principal, Role, audit_trail
from api.errors import ApiError, forbidden, invalid, not_found
from store.accounts import users as account_users
from store.partners import reads as partner_reads
from store.tables import UserAccount

USER_NOT_FOUND = "User not found."
USER_EXISTS = "Another account already signs in with that e-mail address."
NO_SUCH_PARTNER = "there is no partner organisation with that id"
PARTNER_NEEDED = "a partner contact needs its partner organisation"
PARTNER_ONLY_FOR_PARTNERS = "only a partner contact belongs to a partner organisation"


def manageable_roles(principal: Principal) -> tuple[str, ...]:
    """The roles of the accounts this caller may see and manage."""
    if principal.role is Role.ADMIN:
        return (Role.ADMIN.value, Role.STAFF.value, Role.PARTNER.value)
    if principal.role is Role.STAFF:
        return (Role.PARTNER.value,)
    return ()


def user_exists() -> ApiError:
    return ApiError(status.HTTP_409_CONFLICT, USER_EXISTS, field="email", reason="already in use", error="UserExists")


def _require_manages(principal: Principal, role: str) -> None:
    if role not in manageable_roles(principal):
        raise forbidden()


async def _checked_partner(session: AsyncSession, body: UserCreate) -> None:
    if body.role == Role.PARTNER.value:
        if body.partner_id is None:
            raise invalid("partner_id", PARTNER_NEEDED)
        if await partner_reads.get_partner(session, body.partner_id) is None:
            raise invalid("partner_id", NO_SUCH_PARTNER)
    elif body.partner_id is not None:
        raise invalid("partner_id", PARTNER_ONLY_FOR_PARTNERS)


async def add_user(session: AsyncSession, body: UserCreate, *, by: Principal) -> UserAccount:
    """Add an account (or bring back a removed one with this address), committed with its audit entry."""
    _require_manages(by, body.role)
    await _checked_partner(session, body)
    now = datetime.now(UTC)
    existing = await account_users.find_by_email(session, body.email)
    if existing is not None and existing.removed_at is None:
        raise user_exists()
    try:
        if existing is not None:
            existing.name, existing.role, existing.partner_id = body.name, body.role, body.partner_id
            existing.created_at, existing.created_by, existing.removed_at = now, by.key_id, None
            row = existing
        else:
            row = await account_users.create_user(
                session,
                name=body.name,
                email=body.email,
                role=body.role,
                partner_id=body.partner_id,
                created_by=by.key_id,
                now=now,
            )
        await audit_trail(session, by, "user_added", row.id, now, detail={"role": body.role})
        await session.commit()
    except IntegrityError:
        await session.rollback()  # 👉 two requests raced past the check above: the unique email_hash decides
        raise user_exists() from None
    return row


async def managed_user(session: AsyncSession, user_id: str, *, by: Principal) -> UserAccount:
    """An account this caller may manage: 404 when there is none (or it was removed), 403 when not theirs."""
    row = await account_users.get_user(session, user_id) if len(user_id) <= 64 else None
    if row is None or row.removed_at is not None:
        raise not_found(USER_NOT_FOUND)
    _require_manages(by, row.role)
    return row


async def list_users(session: AsyncSession, *, by: Principal, limit: int, offset: int) -> tuple[list[UserAccount], int]:
    """The accounts this caller manages, by name; the read is audited (names and addresses)."""
    rows, total = await account_users.list_users(session, roles=manageable_roles(by), limit=limit, offset=offset)
    await audit_trail(session, by, "users_read", "all", datetime.now(UTC))
    await session.commit()
    return rows, total


async def change_user(session: AsyncSession, user_id: str, body: UserUpdate, *, by: Principal) -> UserAccount:
    """Change a name or address; an address another account holds is 409."""
    row = await managed_user(session, user_id, by=by)
    if body.email is not None:
        holder = await account_users.find_by_email(session, body.email)
        if holder is not None and holder.id != row.id:
            raise user_exists()
    now = datetime.now(UTC)
    changed = sorted(name for name in ("name", "email") if getattr(body, name) is not None)
    try:
        await account_users.change_user(session, row, name=body.name, email=body.email)
        await audit_trail(session, by, "user_changed", row.id, now, detail={"fields": changed})
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise user_exists() from None
    return row


async def remove_user(session: AsyncSession, user_id: str, *, by: Principal) -> int:
    """Remove an account: it can no longer sign in, and every session of theirs ends now. The sessions ended."""
    row = await managed_user(session, user_id, by=by)
    now = datetime.now(UTC)
    ended = await account_users.remove_user(session, row, now)
    await audit_trail(session, by, "user_removed", row.id, now, detail={"sessions_ended": ended})
    await session.commit()
    return ended
