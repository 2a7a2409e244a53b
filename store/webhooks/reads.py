"""Webhooks, read: subscriptions (the API), what waits for delivery (the workflow's activity), the log.

Delivery order: per project by event number, which is the order the workflow sends them one after
another. `failing` in the log is a pending delivery that has had at least one unsuccessful attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.webhooks import DeliveryStatus
from store.tables import Webhook, WebhookAttempt, WebhookDelivery

#: How many of a delivery's latest attempts the log shows.
LAST_ATTEMPTS = 5


async def list_webhooks(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[Webhook], int]:
    """One page of the webhooks, oldest first, and how many there are."""
    total = int(await session.scalar(select(func.count()).select_from(Webhook)) or 0)
    query = select(Webhook).order_by(Webhook.created_at, Webhook.id).limit(limit).offset(offset)
    return list((await session.scalars(query)).all()), total


async def webhook(session: AsyncSession, webhook_id: str) -> Webhook | None:
    return await session.get(Webhook, webhook_id)


async def pending_ids(session: AsyncSession, webhook_id: str, limit: int) -> list[str] | None:
    """The ids of the webhook's pending deliveries in delivery order; None when the webhook is gone."""
    if await session.get(Webhook, webhook_id) is None:
        return None
    query = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending")
        .order_by(WebhookDelivery.project_id, WebhookDelivery.event_seq)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class Outgoing:
    """What one attempt needs: where, the sealed secret, the body (None: nothing to send any more)."""

    webhook_id: str
    url: str
    secret_sealed: str
    payload: dict[str, object]


async def outgoing(session: AsyncSession, delivery_id: str) -> Outgoing | None:
    """The delivery to send, if it still waits (not delivered, webhook not deleted)."""
    row = (
        await session.execute(
            select(Webhook.id, Webhook.url, Webhook.secret_sealed, WebhookDelivery.payload)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
        )
    ).first()
    if row is None:
        return None
    return Outgoing(webhook_id=row[0], url=row[1], secret_sealed=row[2], payload=dict(row[3]))


@dataclass(frozen=True)
class LoggedDelivery:
    delivery: WebhookDelivery
    status: DeliveryStatus
    last_attempts: Sequence[WebhookAttempt]


async def delivery_log(
    session: AsyncSession, webhook_id: str, *, limit: int, offset: int
) -> tuple[list[LoggedDelivery], int]:
    """One page of the webhook's deliveries, newest first, each with its latest attempts (newest
    first), and how many deliveries it has."""
    total = int(await session.scalar(select(func.count()).where(WebhookDelivery.webhook_id == webhook_id)) or 0)
    deliveries = list(
        (
            await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == webhook_id)
                .order_by(
                    WebhookDelivery.created_at.desc(), WebhookDelivery.project_id, WebhookDelivery.event_seq.desc()
                )
                .limit(limit)
                .offset(offset)
            )
        ).all()
    )
    ids = [d.id for d in deliveries]
    attempts: dict[str, list[WebhookAttempt]] = {i: [] for i in ids}
    if ids:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number.desc())
        )
        for attempt in rows:
            if len(attempts[attempt.delivery_id]) < LAST_ATTEMPTS:
                attempts[attempt.delivery_id].append(attempt)
    return [LoggedDelivery(d, _status(d), attempts[d.id]) for d in deliveries], total


def _status(delivery: WebhookDelivery) -> DeliveryStatus:
    if delivery.status == "delivered":
        return "delivered"
    return "failing" if delivery.attempts > 0 else "pending"
