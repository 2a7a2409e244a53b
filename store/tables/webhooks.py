"""Webhooks (issue 16): subscriptions, one delivery per event and subscription, and every attempt made.

- `webhook`: an admin's subscription. The secret signs every body, so it cannot be hashed: it is stored
  ENCRYPTED (`secret_sealed`: AES-256-GCM by store.link_seal with the outbox key `ENGAGE_OUTBOX_KEY`,
  bound to the webhook's id so a sealed secret copied onto another row does not open).
  `personal_data_allowed_by` is the admin key that allowed personal data, with the reason given.
- `webhook_delivery`: written in the same transaction as the event it carries (store.webhooks.writes),
  so an event recorded is an event delivered, at least once. Its id is the Standard Webhooks message id
  (`msg_` + uuid hex) receivers de-duplicate by; `(webhook_id, project_id, event_seq)` is unique, so a
  retried batch queues nothing twice. The body is built then and never changes.
- `webhook_attempt`: one row per HTTP attempt: the status or the error's class and how long it took,
  never the body or the secret.
Deleting a webhook deletes its deliveries and attempts (foreign keys ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, check_in

#: `pending` waits (or is being retried); `delivered` got a 2xx.
DELIVERY_STATUSES: tuple[str, ...] = ("pending", "delivered")


class Webhook(Base):
    __tablename__ = "webhook"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4().hex
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[Any]]
    secret_sealed: Mapped[str] = mapped_column(String(300))
    include_personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_data_allowed_by: Mapped[str | None] = mapped_column(String(64))
    personal_data_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(check_in("status", DELIVERY_STATUSES), name="status"),
        UniqueConstraint("webhook_id", "project_id", "event_seq"),
        Index(
            "ix_webhook_delivery_webhook_id_status_project_id_event_seq",
            "webhook_id",
            "status",
            "project_id",
            "event_seq",
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # msg_<uuid hex>
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64))
    event_seq: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(index=True)
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempt"

    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(100))
    duration_ms: Mapped[int] = mapped_column(Integer)
