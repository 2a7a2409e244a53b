"""What the read side needs to name who acted: partner names and the keys a timeline label came from.

An event records its actor as a label (`Actor.label or party`), never an address or an id, and the
workflow histories carry the same: names are resolved here, when read, so renaming a partner renames
it on every timeline and no recorded history or payload changes (issue 12). Functions only read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import ApiKey, Partner, ProjectPartner


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


async def project_partner_ids(session: AsyncSession, project_id: str) -> list[str]:
    """The partners taking part in a project, as the read model has them."""
    rows = await session.scalars(select(ProjectPartner.partner_id).where(ProjectPartner.project_id == project_id))
    return list(rows)
