"""Webhooks (issue 16, "Events out"): what a subscriber receives, and the workflow's plumbing models.

A subscriber gets each domain event of the types it asked for as JSON, signed the Standard Webhooks way
(https://www.standardwebhooks.com: headers `webhook-id`, `webhook-timestamp`, `webhook-signature` =
`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed by the secret's decoded bytes).

Personal data: by default a body carries ids, keys, numbers and times only (`SAFE_DETAIL_KEYS`): never
the actor's label, a reviewer's note, a reason typed by someone, a place or a name. Only a subscription
an admin allowed to carry personal data (with a recorded reason) gets the event's whole detail and actor.

Pure: the writer (store.webhooks.writes) builds each body when the event is recorded, so the body a
receiver gets on the tenth attempt is the body of the first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.events import DomainEvent, JsonScalar

#: The secret's prefix (the Standard Webhooks convention); the rest is standard base64 of the key bytes.
SECRET_PREFIX = "whsec_"
#: Bytes of a generated secret (the spec asks for 24 to 64).
SECRET_BYTES = 24
#: Event detail keys that hold ids, counts, flags or times only: what a body without personal data keeps.
SAFE_DETAIL_KEYS: frozenset[str] = frozenset(
    {
        "stage",
        "submission",
        "workshop_id",
        "starts_at",
        "attendance",
        "opens_at",
        "closes_at",
        "extended",
        "paused_seconds",
        "fields",
        "due_at",
    }
)
DeliveryStatus = Literal["pending", "delivered", "failing"]
#: How long a delivered delivery (and its attempts) stays in the log: the daily retention run deletes
#: older ones (activities.retention). Pending ones are never deleted: they have not arrived yet.
DELIVERED_KEPT = timedelta(days=30)


def event_body(event: DomainEvent, *, include_personal_data: bool) -> dict[str, object]:
    """The JSON body delivered for `event`: `{"type", "timestamp", "data": {...}}`.

    Invariant: without `include_personal_data` the body holds no free text and no actor label, only
    the project id, the event's number, stage, milestone key and the detail keys in `SAFE_DETAIL_KEYS`.
    """
    detail: dict[str, JsonScalar] = (
        dict(event.detail)
        if include_personal_data
        else {k: v for k, v in event.detail.items() if k in SAFE_DETAIL_KEYS}
    )
    data: dict[str, object] = {
        "project_id": event.project_id,
        "seq": event.seq,
        "stage": event.stage.value,
        "milestone_key": event.milestone_key,
        "detail": detail,
    }
    if include_personal_data:
        data["actor"] = event.actor
    return {"type": event.type.value, "timestamp": event.occurred_at.isoformat(), "data": data}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WebhookDeliveryStart(Frozen):
    """Input of WebhookDeliveryWorkflow (and of each run it continues as): the webhook's id, nothing else."""

    webhook_id: str = Field(min_length=1, max_length=64)


class PendingRequest(Frozen):
    """Input of `pending_deliveries`: the webhook and how many ids to take at once."""

    webhook_id: str = Field(min_length=1, max_length=64)
    limit: int = Field(default=50, ge=1, le=500)


class PendingDeliveries(Frozen):
    """What waits, in delivery order (per project by event number); `gone` once the webhook was deleted."""

    delivery_ids: tuple[str, ...] = ()
    gone: bool = False


class DeliveryOutcome(Frozen):
    """Result of `deliver_webhook`: the receiver's status, or `skipped` when the row no longer waits
    (delivered by an earlier attempt whose result was lost, or deleted with its webhook)."""

    status_code: int | None = None
    skipped: bool = False
