"""The audit trail (store.tables.AuditEntry): written in the caller's transaction, so an action and its
entry are committed together or not at all. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.paging import count_rows
from store.tables import AuditEntry

#: The actions recorded here (project and programme actions are domain events instead).
ACTIONS = (
    "partner_registered",
    "partner_changed",  # issue 15: the detail names the fields changed, never their values
    "key_issued",
    "key_revoked",
    "respondent_added",
    "respondents_imported",
    "case_study_marked",
    # Signing in to the pages, and out (a refused sign-in names no key: `SIGN_IN_REFUSED_ACTOR`).
    "signed_in",
    "sign_in_refused",
    "signed_out",
    # The yearly schedule that opens the Knowledge Exchange (a Temporal Schedule, no workflow records it).
    "schedule_saved",
    "schedule_deleted",
    # Reads of personal data by staff, admins or partners: one entry per request, target a project id or a year.
    "respondents_read",
    "responses_exported",
    "applications_read",
    "programme_read",
    "outbox_read",
    "histories_decoded",
    "partners_read",
    "searched",  # issue 15: staff searched people by name or e-mail; the detail says how many hits, never what
    # The rights of the people whose data we hold (api/people): the detail says why and how much, never whom.
    "person_exported",
    "person_erased",
    # Accounts of the people who sign in (api/accounts): by id, the detail names a role or fields, never whom.
    "user_added",
    "user_changed",
    "user_removed",
    "users_read",
    "sign_in_link_sent",
    # A person's private calendar feed (api/calendar): made (or replaced) and revoked; target the feed's id.
    "calendar_feed_created",
    "calendar_feed_revoked",
    # Webhooks (api/webhooks, issue 16): an admin subscribed another system or removed it; target the webhook.
    "webhook_created",
    "webhook_deleted",
)
#: The actor of a sign-in with a key no one recognised: no key material, no address.
SIGN_IN_REFUSED_ACTOR = "unrecognised"


async def record(
    session: AsyncSession,
    *,
    actor_key_id: str,
    actor_label: str,
    action: str,
    target_id: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one entry; `detail` (JSON) is what the action needs said beyond its target, never personal data."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; the actions are {ACTIONS}")
    session.add(
        AuditEntry(
            occurred_at=now,
            actor_key_id=actor_key_id,
            actor_label=actor_label,
            action=action,
            target_id=target_id,
            detail=detail,
        )
    )


async def entries_for(session: AsyncSession, target_id: str) -> Sequence[AuditEntry]:
    """Every entry about one partner or key, oldest first."""
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.target_id == target_id).order_by(AuditEntry.occurred_at, AuditEntry.id)
    )
    return rows.all()


@dataclass(frozen=True)
class AuditFilter:
    """What the admin view narrows the trail to; None means any."""

    target_id: str | None = None
    action: str | None = None
    since: datetime | None = None


async def list_entries(
    session: AsyncSession, filters: AuditFilter, *, limit: int, offset: int
) -> tuple[Sequence[AuditEntry], int]:
    """One page of the trail, newest first, and how many entries match in all."""
    statement = select(AuditEntry)
    if filters.target_id is not None:
        statement = statement.where(AuditEntry.target_id == filters.target_id)
    if filters.action is not None:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        statement = statement.where(AuditEntry.occurred_at >= filters.since)
    total = await count_rows(session, statement)
    page = statement.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return (await session.scalars(page)).all(), total
