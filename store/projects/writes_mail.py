"""Projects, written: the e-mails one batch of changes queues in the outbox, once per event and address.

Who gets an e-mail is domain.notifications' rule (`recipients`, `nobody_needs_telling`): we fetch the
partners' contacts and write what it answers. Rendering is injected (`EmailRenderer`): templates are
the activities' business, storage is ours. Runs in the caller's transaction; never commits.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import DomainEvent, ProjectChanges
from domain.lifecycle import Audience
from domain.notifications import nobody_needs_telling, recipients
from domain.state import ProjectState
from store.outbox import RenderedEmail
from store.people.suppressed import without_erased
from store.tables import OutboxEmail, Partner
from store.upserts import insert_ignore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmailContext:
    """Everything a template may use. `snapshot` is the state after the whole batch."""

    event: DomainEvent
    snapshot: ProjectState
    audience: Audience
    recipient_name: str


EmailRenderer = Callable[[EmailContext], RenderedEmail]


def dedupe_key(event_id: str, address: str) -> str:
    """The outbox key of one e-mail: at most one per event and address, without storing the address in it."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]
    return f"{event_id}:{digest}"


async def queue_emails(
    session: AsyncSession,
    changes: ProjectChanges,
    render: EmailRenderer,
    smtp_configured: bool,
    created_at: datetime,
) -> int:
    snapshot = changes.snapshot
    notified = [r for r in changes.events if r.notify and not nobody_needs_telling(r.event, snapshot)]
    if not notified:
        return 0
    partners = await _partner_contacts(session, snapshot)
    rows: list[dict[str, Any]] = []
    for recorded in notified:
        event = recorded.event
        for recipient in recipients(recorded.notify, snapshot, partners):
            email = render(EmailContext(event, snapshot, recipient.audience, recipient.name))
            rows.append(
                {
                    "dedupe_key": dedupe_key(event.event_id, recipient.address),
                    "event_id": event.event_id,
                    "project_id": snapshot.project_id,
                    "audience": recipient.audience.value,
                    "to_name": recipient.name,
                    "to_address": recipient.address,
                    "subject": email.subject,
                    "body": email.body,
                    "created_at": created_at,
                    "status": "queued" if smtp_configured else "held",
                    "attempts": 0,
                }
            )
    # 👉 An erased person (suppressed `erased`, or a placeholder address) is never written to again.
    return await insert_ignore(session, OutboxEmail, await without_erased(session, rows))


async def _partner_contacts(session: AsyncSession, snapshot: ProjectState) -> list[tuple[str, str]]:
    """(name, address) of each partner's contact, in the project's partner order."""
    if not snapshot.partner_ids:
        return []
    found = {p.id: p for p in await session.scalars(select(Partner).where(Partner.id.in_(snapshot.partner_ids)))}
    missing = [pid for pid in snapshot.partner_ids if pid not in found]
    if missing:
        logger.warning("partners not found; no e-mail for them", extra={"partner_ids": missing})
    return [(found[pid].contact_name, found[pid].contact_email) for pid in snapshot.partner_ids if pid in found]


async def awaiting_delivery(session: AsyncSession, changes: ProjectChanges) -> bool:
    event_ids = [r.event.event_id for r in changes.events if r.notify]
    if not event_ids:
        return False
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.event_id.in_(event_ids), OutboxEmail.status == "queued")
    )
    return bool(waiting)
