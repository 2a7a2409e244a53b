"""Typed wrappers for the webhook activities (issue 16): names, timeouts and retry policy in one place.

Kept beside workflows.activity_calls (whose `ACTIVITY_NAMES` includes `WEBHOOK_ACTIVITY_NAMES`) so the
delivery workflow imports little. Activities are called by name: no implementation enters the sandbox.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.webhooks import DeliveryOutcome, PendingDeliveries, PendingRequest

PENDING_DELIVERIES = "pending_deliveries"
DELIVER_WEBHOOK = "deliver_webhook"
WEBHOOK_ACTIVITY_NAMES = frozenset({PENDING_DELIVERIES, DELIVER_WEBHOOK})

# 👉 A receiver that is down is retried with backoff over hours: 10 s, 20 s, 40 s ... capped at 15 minutes
# between attempts, with no attempt limit, for up to three days per delivery (schedule_to_close covers
# every retry). A receiver down for an hour is reached a few minutes after it comes back, and loses nothing.
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=15),
)
DELIVERY_GIVES_UP_AFTER = timedelta(days=3)
_READ_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


async def pending_deliveries(request: PendingRequest) -> PendingDeliveries:
    """The webhook's pending delivery ids, per project by event number (or `gone` once it was deleted)."""
    result: PendingDeliveries = await workflow.execute_activity(
        PENDING_DELIVERIES,
        request,
        result_type=PendingDeliveries,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=_READ_RETRY,
    )
    return result


async def deliver_webhook(delivery_id: str) -> DeliveryOutcome:
    """POST one delivery, signed, until a 2xx (retried by Temporal with `DELIVERY_RETRY`)."""
    result: DeliveryOutcome = await workflow.execute_activity(
        DELIVER_WEBHOOK,
        delivery_id,
        result_type=DeliveryOutcome,
        start_to_close_timeout=timedelta(seconds=30),
        schedule_to_close_timeout=DELIVERY_GIVES_UP_AFTER,
        retry_policy=DELIVERY_RETRY,
    )
    return result
