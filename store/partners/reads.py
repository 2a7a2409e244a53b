"""Partners, API keys and page sessions, read: lookups for sign-in and the partner list, and the names
timelines show for who acted.

An event records its actor as a label (`Actor.label or party`), never an address or an id, and the
workflow histories carry the same: names are resolved here, when read, so renaming a partner renames
it on every timeline and no recorded history or payload changes (issue 12). Functions only read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.paging import count_rows
from store.tables import ApiKey, Partner, WebSession, partner_name_key


async def find_api_key(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return (await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))).scalar_one_or_none()


async def get_api_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def get_partner(session: AsyncSession, partner_id: str) -> Partner | None:
    return await session.get(Partner, partner_id)


async def web_session_active(session: AsyncSession, session_id: str, now: datetime) -> bool:
    """A page session that was started and is neither signed out nor expired."""
    found = await session.scalar(select(WebSession.id).where(WebSession.id == session_id, WebSession.expires_at > now))
    return found is not None


async def find_partner_by_name(session: AsyncSession, name: str) -> Partner | None:
    """The partner whose name equals `name` ignoring case and spacing (store.tables.partner_name_key)."""
    return await session.scalar(select(Partner).where(Partner.name_key == partner_name_key(name)))


async def list_partners(
    session: AsyncSession, *, only_id: str | None, limit: int, offset: int
) -> tuple[list[Partner], int]:
    """Partners, newest first; `only_id` restricts the list to one (a partner key sees itself)."""
    conditions = [Partner.id == only_id] if only_id is not None else []
    total = await count_rows(session, select(Partner).where(*conditions))
    rows = await session.execute(
        select(Partner).where(*conditions).order_by(Partner.created_at.desc(), Partner.id).limit(limit).offset(offset)
    )
    return list(rows.scalars()), total


async def missing_partner_ids(session: AsyncSession, partner_ids: Sequence[str]) -> list[str]:
    """Those of `partner_ids` that name no partner, in the order given."""
    if not partner_ids:
        return []
    found = set((await session.execute(select(Partner.id).where(Partner.id.in_(partner_ids)))).scalars())
    return [pid for pid in partner_ids if pid not in found]


@dataclass(frozen=True)
class KeyHolder:
    """Who holds a key with a given label: its role and, for a partner key, the partner."""

    label: str
    role: str
    partner_id: str | None


async def partner_names(session: AsyncSession, partner_ids: Collection[str]) -> dict[str, str]:
    """Partner id → name, for the ids that exist."""
    if not partner_ids:
        return {}
    rows = await session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(list(partner_ids))))
    return {partner_id: name for partner_id, name in rows.all()}


async def key_holders(session: AsyncSession, labels: Collection[str]) -> list[KeyHolder]:
    """Every key (revoked ones too: the event outlives the key) whose label is one of `labels`."""
    wanted = [label for label in labels if label]
    if not wanted:
        return []
    rows = await session.execute(
        select(ApiKey.label, ApiKey.role, ApiKey.partner_id).where(ApiKey.label.in_(wanted)).order_by(ApiKey.id)
    )
    return [KeyHolder(label, role, partner_id) for label, role, partner_id in rows.all()]
