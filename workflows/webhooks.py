"""WebhookDeliveryWorkflow: delivers one webhook's events, strictly one after another (issue 16).

One per webhook, id `webhook-<webhook id>` (workflows.naming), started when an admin creates the webhook
and cancelled when it is deleted; the record activity also signal-with-starts it after committing new
deliveries, so a webhook whose start failed is picked up by its first event.

The loop: ask `pending_deliveries` for what waits (per project in event order), deliver each with
`deliver_webhook` (Temporal retries a failing receiver with backoff over hours, workflows.webhook_calls)
and only then the next, so a receiver sees each project's events in order. When nothing waits, wait for
the signal `deliveries_queued` or one minute (the signal is best effort; the timer is the guarantee).
If a delivery still fails after its three days of retries, it stays pending: the workflow waits a minute
and starts again from it (at least once: nothing is skipped, later events wait behind it).
Continue-as-new every `LOOPS_PER_RUN` loops or when the history grows long. The webhook's id is the only
input; bodies, URLs and secrets stay in the database, never in the history.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.webhooks import PendingRequest, WebhookDeliveryStart
    from workflows import webhook_calls
    from workflows.kit import history_is_long
    from workflows.naming import DELIVERIES_QUEUED_SIGNAL, WEBHOOK_WORKFLOW

#: Loops per run before continuing as new (each idle loop adds a handful of events).
LOOPS_PER_RUN = 100
MAX_HISTORY_EVENTS = 2_000
BATCH = 50
IDLE_WAIT = timedelta(minutes=1)


@workflow.defn(name=WEBHOOK_WORKFLOW)
class WebhookDeliveryWorkflow:
    def __init__(self) -> None:
        self._queued = False

    @workflow.signal(name=DELIVERIES_QUEUED_SIGNAL)
    def deliveries_queued(self) -> None:
        """New deliveries were committed: look now rather than at the next timer."""
        self._queued = True

    @workflow.run
    async def run(self, start: WebhookDeliveryStart) -> None:
        for _ in range(LOOPS_PER_RUN):
            self._queued = False
            pending = await webhook_calls.pending_deliveries(PendingRequest(webhook_id=start.webhook_id, limit=BATCH))
            if pending.gone:
                return  # the webhook was deleted
            if not pending.delivery_ids or not await self._deliver(pending.delivery_ids):
                await self._idle()
            if history_is_long(MAX_HISTORY_EVENTS):
                break
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(start)

    async def _deliver(self, delivery_ids: tuple[str, ...]) -> bool:
        """Deliver in order; False when one gave up (it stays pending and is tried again first)."""
        for delivery_id in delivery_ids:
            try:
                await webhook_calls.deliver_webhook(delivery_id)
            except ActivityError:
                workflow.logger.warning("webhook delivery gave up for now", extra={"delivery_id": delivery_id})
                return False
        return True

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):  # 👉 the timer fired: look again anyway
            await workflow.wait_condition(lambda: self._queued, timeout=IDLE_WAIT)
