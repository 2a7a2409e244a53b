"""The audit trail (store.tables.AuditEntry): written in the caller's transaction, so an action and its
entry are committed together or not at all. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import AuditEntry

#: The actions recorded here (project and programme actions are domain events instead).
ACTIONS = (
    "partner_registered",
    "key_issued",
    "key_revoked",
    "respondent_added",
    "respondents_imported",
    "case_study_marked",
)


async def record(
    session: AsyncSession, *, actor_key_id: str, actor_label: str, action: str, target_id: str, now: datetime
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; the actions are {ACTIONS}")
    session.add(
        AuditEntry(
            occurred_at=now, actor_key_id=actor_key_id, actor_label=actor_label, action=action, target_id=target_id
        )
    )


async def entries_for(session: AsyncSession, target_id: str) -> Sequence[AuditEntry]:
    """Every entry about one partner or key, oldest first."""
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.target_id == target_id).order_by(AuditEntry.occurred_at, AuditEntry.id)
    )
    return rows.all()
