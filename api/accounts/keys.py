"""API keys for integrations: listed on the keys page, revoked there or by `DELETE /api/v1/keys/{id}`.

One revocation path for the page and the route: whoever may issue a key may revoke it (staff partner
keys, admins any: `api.access.require_may_revoke`), the audit entry in the same commit, and the key
dropped from this replica's cache at once (other replicas within the cache's TTL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.access import require_may_revoke
from api.auth import ENV_ADMIN_KEY_ID, KeyCache, Principal, Role, audit_trail
from api.errors import KEY_NOT_FOUND, not_found
from store.accounts import keys as account_keys
from store.accounts import users as account_users
from store.partners import reads as partner_reads
from store.partners import writes as partner_writes


@dataclass(frozen=True)
class KeyLine:
    """One key as the keys page shows it."""

    id: str
    prefix: str
    label: str
    role: str
    partner: str | None
    creator: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revocable: bool


def may_revoke(principal: Principal, role: str) -> bool:
    return role == Role.PARTNER.value or principal.role is Role.ADMIN


async def key_lines(session: AsyncSession, *, by: Principal, limit: int, offset: int) -> tuple[list[KeyLine], int]:
    """Keys with their partner's and creator's names (a person's name, or the issuing key's label)."""
    rows, total = await account_keys.list_keys(session, limit=limit, offset=offset)
    partners = await partner_reads.partner_names(session, {r.partner_id for r in rows if r.partner_id})
    creators = await account_users.names_of(session, {r.created_by for r in rows if r.created_by})
    creators[ENV_ADMIN_KEY_ID] = "the administrator key"
    lines = [
        KeyLine(
            id=r.id,
            prefix=r.prefix,
            label=r.label,
            role=r.role,
            partner=partners.get(r.partner_id) if r.partner_id else None,
            creator=creators.get(r.created_by, "—") if r.created_by else "—",
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            revoked_at=r.revoked_at,
            revocable=r.revoked_at is None and may_revoke(by, r.role),
        )
        for r in rows
    ]
    return lines, total


async def revoke_key(session: AsyncSession, key_id: str, *, by: Principal, cache: KeyCache) -> None:
    """Revoke a key (404 unknown, 403 not the caller's to revoke), audited, and forgotten by this replica."""
    row = await partner_reads.get_api_key(session, key_id) if len(key_id) <= 64 else None
    if row is None:
        raise not_found(KEY_NOT_FOUND)
    require_may_revoke(by, Role(row.role))
    now = datetime.now(UTC)
    await partner_writes.revoke_api_key(session, key_id, now)
    await audit_trail(session, by, "key_revoked", key_id, now)
    await session.commit()
    cache.forget(key_id)
