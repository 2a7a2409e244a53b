"""Bearer API keys: who is calling, with which role, and for which partner.

Keys are `engage_` + 256 random bits, stored only as their sha256 hex (`api_key.key_hash`). A fast
hash is right for a secret with that much entropy: there is nothing to brute-force, and the lookup
must stay cheap. Successful lookups are cached in-process for `key_cache_seconds` so hot paths make
no database round trip; revoking a key clears its entry on this replica at once, and other replicas
stop accepting it within the TTL. Failed lookups are never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.errors import unauthenticated
from api.ttl_map import TtlMap
from domain.lifecycle import Party
from domain.submissions import Actor
from store import audit as store_audit
from store.accounts import users as account_users
from store.partners import reads as partner_reads
from store.partners import writes as partner_writes
from store.tables import ApiKey, UserAccount

KEY_PREFIX = "engage_"
#: The key id of the bootstrap admin key from `ENGAGE_ADMIN_KEY` (it has no database row).
ENV_ADMIN_KEY_ID = "env-admin"
#: Longer bearer tokens are refused before hashing: no key we issue is anywhere near this.
MAX_TOKEN_LENGTH = 512
#: The key id of a person signed in by e-mailed link is `user:<account id>` (api.accounts): sessions,
#: timelines and the audit trail name them by it, and their actor label is their name.
USER_KEY_PREFIX = "user:"
#: A key's `last_used_at` is written at most this often per key per replica (one UPDATE, not one a request).
LAST_USE_SECONDS = 60.0


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller. Invariant: `partner_id` is set exactly when `role` is partner."""

    key_id: str
    role: Role
    partner_id: str | None = None
    label: str = ""

    @property
    def party(self) -> Party:
        return Party.PARTNER if self.role is Role.PARTNER else Party.STAFF

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.PARTNER

    def actor(self) -> Actor:
        """Who the workflow records as acting: a label for timelines, never an e-mail address."""
        return Actor(party=self.party, partner_id=self.partner_id, label=self.label or self.role.value)


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_display_prefix(key: str) -> str:
    """The first characters of a key, stored so people can tell their keys apart."""
    return key[: len(KEY_PREFIX) + 4]


class KeyCache(TtlMap[str, Principal]):
    """Key hash -> principal for `ttl_seconds`; bounded, oldest entries dropped first."""

    def __init__(self, ttl_seconds: float, max_entries: int = 10_000) -> None:
        super().__init__(ttl_seconds, max_entries)
        #: Key id -> True while its last use is recorded recently enough (`LAST_USE_SECONDS`).
        self.recently_used: TtlMap[str, bool] = TtlMap(LAST_USE_SECONDS, max_entries)

    def forget(self, key_id: str) -> None:
        """Drop a revoked key at once, whatever its hash."""
        self.discard_where(lambda principal: principal.key_id == key_id)


async def authenticate(
    token: str | None,
    *,
    admin_key: SecretStr | None,
    cache: KeyCache,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Principal:
    """The principal for a bearer token, or a 401 `ApiError`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise unauthenticated()
    digest = hash_key(token)
    if admin_key is not None and hmac.compare_digest(digest, hash_key(admin_key.get_secret_value())):
        return admin_principal()
    cached = cache.get(digest)
    if cached is not None:
        await _record_use(cached.key_id, cache, sessionmaker)
        return cached
    async with sessionmaker() as session:
        row = await partner_reads.find_api_key(session, digest)
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        raise unauthenticated()
    principal = principal_of(row)
    cache.put(digest, principal)
    await _record_use(principal.key_id, cache, sessionmaker)
    return principal


async def _record_use(key_id: str, cache: KeyCache, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """`api_key.last_used_at` for the keys page: at most one UPDATE per key a minute on this replica."""
    if cache.recently_used.get(key_id):
        return
    cache.recently_used.put(key_id, True)
    async with sessionmaker.begin() as session:
        await partner_writes.key_used(session, key_id, datetime.now(UTC))


def admin_principal() -> Principal:
    """The bootstrap admin of `ENGAGE_ADMIN_KEY`: it has no database row."""
    return Principal(key_id=ENV_ADMIN_KEY_ID, role=Role.ADMIN, label="admin")


def principal_of(row: ApiKey) -> Principal:
    """The caller a stored key stands for: the one place a key row becomes a principal."""
    return Principal(key_id=row.id, role=Role(row.role), partner_id=row.partner_id, label=row.label)


def principal_of_user(row: UserAccount) -> Principal:
    """The caller a person signed in by e-mailed link stands for: their role and partner, named by name
    (never their address), so timelines and the audit trail say who acted."""
    return Principal(
        key_id=f"{USER_KEY_PREFIX}{row.id}", role=Role(row.role), partner_id=row.partner_id, label=row.name
    )


async def principal_by_key_id(
    key_id: str, *, admin_key: SecretStr | None, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[Principal, str] | None:
    """The principal a key id names and its key's hash, if the key exists unrevoked.

    A signed-in web session names its key by id (the cookie never holds the key), so pages find the
    caller here, through the same `principal_of` as a bearer key; the hash lets the caller check the
    session was signed in with this very key.
    """
    if key_id == ENV_ADMIN_KEY_ID:
        if admin_key is None:
            return None
        return admin_principal(), hash_key(admin_key.get_secret_value())
    if key_id.startswith(USER_KEY_PREFIX):
        async with sessionmaker() as session:
            user = await account_users.get_user(session, key_id.removeprefix(USER_KEY_PREFIX))
        if user is None or user.removed_at is not None:
            return None
        return principal_of_user(user), hash_key(key_id)
    async with sessionmaker() as session:
        row = await partner_reads.get_api_key(session, key_id)
    if row is None or row.revoked_at is not None:
        return None
    return principal_of(row), row.key_hash


async def issue_key(
    session: AsyncSession, *, role: Role, partner_id: str | None, label: str, now: datetime, by: Principal | None = None
) -> tuple[ApiKey, str]:
    """Create a key; return its row and the key itself, which is never stored and shown once.

    `by`: who issues it, recorded in the audit trail in the same commit; None only for keys set up
    outside any request (tests and tools bootstrapping a key), which no one issued through the API."""
    key = new_key()
    row = await partner_writes.create_api_key(
        session,
        key_hash=hash_key(key),
        prefix=key_display_prefix(key),
        role=role.value,
        partner_id=partner_id,
        label=label,
        now=now,
    )
    row.created_by = by.key_id if by is not None else None
    if by is not None:
        await audit_trail(session, by, "key_issued", row.id, now)
    await session.commit()
    return row, key


async def audit_trail(
    session: AsyncSession,
    by: Principal,
    action: str,
    target_id: str,
    now: datetime,
    *,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record in the caller's transaction that `by` (its key and label) did `action` to `target_id`
    (`detail`: what else the entry says, never personal data)."""
    label = by.label or by.role.value
    await store_audit.record(
        session, actor_key_id=by.key_id, actor_label=label, action=action, target_id=target_id, now=now, detail=detail
    )
