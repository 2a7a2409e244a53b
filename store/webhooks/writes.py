"""Webhooks, written: subscriptions (the API), deliveries queued with the events (the record activity), and
each delivery attempt (the `deliver_webhook` activity).

Each runs in the caller's transaction and never commits, except where it says so.
- `queue_deliveries` runs inside `apply_project_changes`, in the transaction that inserts the events:
  an event is never recorded without its deliveries, nor a delivery queued for an event that was not.
  Only events the batch really inserted are passed in, and `(webhook_id, project_id, event_seq)` is
  unique (ON CONFLICT DO NOTHING), so a retried batch queues nothing twice.
- The body is built here, once (domain.webhooks.event_body): without the admin's permission it holds
  ids, numbers and times only.
- The secret is sealed (AES-256-GCM, store.link_seal, bound to the webhook's id) before it is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import DomainEvent
from domain.webhooks import event_body
from store.link_seal import LinkSeal
from store.tables import Webhook, WebhookAttempt, WebhookDelivery
from store.upserts import insert_ignore


def new_message_id() -> str:
    """A Standard Webhooks message id: `msg_` and a random uuid's hex (the row's key, fixed at queueing)."""
    return f"msg_{uuid.uuid4().hex}"


async def add_webhook(
    session: AsyncSession,
    *,
    webhook_id: str,
    url: str,
    event_types: Sequence[str],
    secret: str,
    seal: LinkSeal,
    created_by: str,
    now: datetime,
    personal_data_allowed_by: str | None = None,
    personal_data_reason: str | None = None,
) -> Webhook:
    """Insert a subscription with its secret sealed; personal data only with the allowing admin's key id."""
    row = Webhook(
        id=webhook_id,
        url=url,
        event_types=list(event_types),
        secret_sealed=seal.seal(secret, webhook_id),
        include_personal_data=personal_data_allowed_by is not None,
        personal_data_allowed_by=personal_data_allowed_by,
        personal_data_reason=personal_data_reason,
        created_at=now,
        created_by=created_by,
    )
    session.add(row)
    await session.flush()
    return row


async def remove_webhook(session: AsyncSession, webhook_id: str) -> bool:
    """Delete a subscription, its deliveries and their attempts (cascade). Returns whether it existed."""
    await session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(_deliveries_of(webhook_id))))
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
    result = await session.execute(delete(Webhook).where(Webhook.id == webhook_id).returning(Webhook.id))
    return result.first() is not None


def _deliveries_of(webhook_id: str) -> Any:
    return select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == webhook_id).scalar_subquery()


async def queue_deliveries(session: AsyncSession, events: Sequence[DomainEvent], now: datetime) -> set[str]:
    """One pending delivery per (subscription that wants the event's type, event). Returns the ids of the
    webhooks that got any, so the caller can wake their workflows after it commits."""
    if not events:
        return set()
    subscriptions = (
        await session.execute(
            select(Webhook.id, Webhook.event_types, Webhook.include_personal_data, Webhook.personal_data_allowed_by)
        )
    ).all()
    rows: list[dict[str, Any]] = []
    for webhook_id, event_types, personal, allowed_by in subscriptions:
        wanted = set(event_types)
        for event in events:
            if event.type.value not in wanted:
                continue
            body = event_body(event, include_personal_data=bool(personal and allowed_by))
            rows.append(
                {
                    "id": new_message_id(),
                    "webhook_id": webhook_id,
                    "project_id": event.project_id,
                    "event_seq": event.seq,
                    "event_type": event.type.value,
                    "payload": body,
                    "status": "pending",
                    "created_at": now,
                    "delivered_at": None,
                    "attempts": 0,
                }
            )
    if not rows:
        return set()
    await insert_ignore(session, WebhookDelivery, rows)
    return {row["webhook_id"] for row in rows}


async def record_attempt(
    session: AsyncSession,
    delivery_id: str,
    *,
    at: datetime,
    duration_ms: int,
    status_code: int | None,
    error: str | None,
    delivered: bool,
) -> int:
    """Count one attempt on the delivery, log it in `webhook_attempt`, and mark the delivery delivered on a
    2xx. Returns the attempt's number (0 when the delivery is gone: its webhook was deleted meanwhile)."""
    values: dict[str, Any] = {"attempts": WebhookDelivery.attempts + 1}
    if delivered:
        values |= {"status": "delivered", "delivered_at": at}
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(**values)
        .returning(WebhookDelivery.attempts)
    )
    number = result.scalar_one_or_none()
    if number is None:
        return 0
    await insert_ignore(
        session,
        WebhookAttempt,
        [
            {
                "delivery_id": delivery_id,
                "number": number,
                "at": at,
                "status_code": status_code,
                "error": error,
                "duration_ms": duration_ms,
            }
        ],
    )
    return int(number)


async def forget_delivered(session: AsyncSession, before: datetime) -> int:
    """Delete deliveries delivered before `before` (and their attempts, by cascade): the log's retention."""
    old = select(WebhookDelivery.id).where(WebhookDelivery.status == "delivered", WebhookDelivery.delivered_at < before)
    await session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(old.scalar_subquery())))
    result = await session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old.scalar_subquery())))
    return int(getattr(result, "rowcount", 0) or 0)
