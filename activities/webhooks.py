"""The webhook activities: what waits for a webhook (`pending_deliveries`), one HTTP attempt at one
delivery (`deliver_webhook`), and waking a webhook's workflow once new deliveries are committed.

Signing (the Standard Webhooks spec, https://www.standardwebhooks.com): headers `webhook-id` (the delivery's
`msg_` id, the same on every attempt so receivers de-duplicate), `webhook-timestamp` (unix seconds of this
attempt) and `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")).
The secret is unsealed from the row (AES-256-GCM, store.link_seal, with the worker's `ENGAGE_OUTBOX_KEY`)
for the attempt only; `whsec_` + base64 is decoded to the key bytes as the spec says.

Retries: a 2xx marks the delivery delivered; anything else (another status, a refused connection, a
timeout) is logged in `webhook_attempt` (committed on its own, so the log shows failures) and raised,
and Temporal retries with the policy in workflows.webhook_calls: backoff over hours, no attempt limit.
Logs carry ids, statuses and durations: never the body, the URL's query or the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.settings import ActivitySettings
from domain.webhooks import SECRET_PREFIX, DeliveryOutcome, PendingDeliveries, PendingRequest, WebhookDeliveryStart
from store.webhooks import reads, writes
from workflows.naming import DELIVERIES_QUEUED_SIGNAL, WEBHOOK_WORKFLOW, webhook_workflow_id

#: One attempt's bound: a receiver that holds the request longer counts as failed (and is retried).
HTTP_TIMEOUT = httpx.Timeout(10.0)
#: Waking a workflow is best effort (its one-minute timer finds the deliveries anyway).
WAKE_TIMEOUT = timedelta(seconds=3)


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_...` secret stands for: the base64 after the prefix, decoded."""
    text = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(text + "=" * (-len(text) % 4))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}` (the Standard Webhooks signature)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def body_bytes(payload: dict[str, object]) -> bytes:
    """The exact bytes sent and signed: compact JSON with sorted keys, the same on every attempt."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class WebhookActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: ActivitySettings) -> None:
        self._sessionmaker = sessionmaker
        self._seal = settings.link_seal

    @activity.defn(name="pending_deliveries")
    async def pending_deliveries(self, request: PendingRequest) -> PendingDeliveries:
        """The ids of the webhook's pending deliveries, per project by event number; `gone` if deleted."""
        async with self._sessionmaker() as session:
            ids = await reads.pending_ids(session, request.webhook_id, request.limit)
        if ids is None:
            return PendingDeliveries(gone=True)
        return PendingDeliveries(delivery_ids=tuple(ids))

    @activity.defn(name="deliver_webhook")
    async def deliver_webhook(self, delivery_id: str) -> DeliveryOutcome:
        """POST one delivery, signed; log the attempt; raise on anything but a 2xx so Temporal retries."""
        async with self._sessionmaker() as session:
            outgoing = await reads.outgoing(session, delivery_id)
        if outgoing is None:
            return DeliveryOutcome(skipped=True)
        secret = self._seal.unseal(outgoing.secret_sealed, outgoing.webhook_id)
        if secret is None:
            # 👉 No key of this worker sealed it (ENGAGE_OUTBOX_KEY changed): retrying cannot help until an
            # operator restores the key, but the delivery must not be lost, so it stays pending and retried.
            await self._log(delivery_id, started=time.monotonic(), status_code=None, error="SecretUnreadable")
            raise ApplicationError(
                "the webhook's secret cannot be unsealed with this worker's keys", type="SecretUnreadable"
            )
        body = body_bytes(outgoing.payload)
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, delivery_id, timestamp, body),
        }
        started = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False) as http:
                response = await http.post(outgoing.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            await self._log(delivery_id, started=started, status_code=None, error=type(exc).__name__)
            raise ApplicationError(
                f"webhook delivery failed: {type(exc).__name__}", type="WebhookUnreachable"
            ) from None
        delivered = 200 <= response.status_code < 300
        number = await self._log(delivery_id, started=started, status_code=response.status_code, delivered=delivered)
        activity.logger.info(
            "webhook attempt",
            extra={"delivery_id": delivery_id, "attempt": number, "status_code": response.status_code},
        )
        if not delivered:
            raise ApplicationError(f"webhook receiver answered {response.status_code}", type="WebhookRefused")
        return DeliveryOutcome(status_code=response.status_code)

    async def _log(
        self,
        delivery_id: str,
        *,
        started: float,
        status_code: int | None,
        error: str | None = None,
        delivered: bool = False,
    ) -> int:
        duration_ms = round((time.monotonic() - started) * 1000)
        async with self._sessionmaker.begin() as session:
            return await writes.record_attempt(
                session,
                delivery_id,
                at=datetime.now(UTC),
                duration_ms=duration_ms,
                status_code=status_code,
                error=error,
                delivered=delivered,
            )


async def wake_webhooks(webhook_ids: set[str]) -> None:
    """After the deliveries are committed: signal each webhook's workflow, starting it if it is not
    running (signal-with-start), so no subscription whose start failed at creation waits forever.
    Best effort: a failure is logged and the workflow's one-minute timer finds the deliveries anyway."""
    if not webhook_ids:
        return
    try:
        client = activity.client()
    except RuntimeError:
        return  # not run by a worker with a client (ActivityEnvironment)
    task_queue = activity.info().task_queue
    for webhook_id in sorted(webhook_ids):
        try:
            await client.start_workflow(
                WEBHOOK_WORKFLOW,
                WebhookDeliveryStart(webhook_id=webhook_id),
                id=webhook_workflow_id(webhook_id),
                task_queue=task_queue,
                start_signal=DELIVERIES_QUEUED_SIGNAL,
                rpc_timeout=WAKE_TIMEOUT,
            )
        except Exception as exc:  # best effort by design, see the docstring
            activity.logger.warning(
                "could not wake a webhook's workflow", extra={"webhook_id": webhook_id, "error": type(exc).__name__}
            )
