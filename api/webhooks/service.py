"""What the webhook routes do: check and store a subscription (secret sealed), start its delivery
workflow, delete it, read it and its delivery log. Every create and delete is audited in its own
transaction (api.auth.audit_trail): ids only, never the URL's secret parts or the secret.

The secret must be usable to sign, so it cannot be hashed like an API key: it is stored ENCRYPTED at rest,
AES-256-GCM with the outbox key material (`ENGAGE_OUTBOX_KEY`, store.link_seal, the helper that seals
survey and sign-in links), bound to the webhook's id. The worker holds the same key and unseals it per
attempt. It is returned once, in the create answer.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api import temporal_calls
from api.accounts.mail import link_seal
from api.auth import Principal, audit_trail
from api.errors import invalid, not_found
from api.schemas import Page
from api.settings import ApiSettings
from api.webhooks.schemas import SECRET_PATTERN, DeliveryPublic, WebhookCreate, WebhookCreated, WebhookPublic
from domain.webhooks import SECRET_BYTES, SECRET_PREFIX, WebhookDeliveryStart
from store.tables import Webhook
from store.webhooks import reads, writes
from workflows.naming import webhook_workflow_id
from workflows.webhooks import WebhookDeliveryWorkflow

WEBHOOK_NOT_FOUND = "Webhook not found."
HTTP_REFUSED = "must be https; plain http is accepted only to a loopback address (127.0.0.1, ::1, localhost)"
SECRET_REFUSED = "must be 'whsec_' followed by standard base64 of 24 to 64 bytes"
log = structlog.get_logger("engage.api")


def new_secret() -> str:
    """`whsec_` + base64 of 24 random bytes (the Standard Webhooks format)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_url(url: str, *, allow_http: bool) -> None:
    """https anywhere; http only to loopback, or anywhere when `ENGAGE_WEBHOOKS_ALLOW_HTTP` is set."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        raise invalid("url", "is not a URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise invalid("url", "must be an absolute http(s) URL with a host")
    if parts.scheme == "http" and not allow_http and not _loopback(host):
        raise invalid("url", HTTP_REFUSED)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_secret(secret: str) -> None:
    if not SECRET_PATTERN.fullmatch(secret):
        raise invalid("secret", SECRET_REFUSED)
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise invalid("secret", SECRET_REFUSED) from None
    if not 24 <= len(key) <= 64:
        raise invalid("secret", SECRET_REFUSED)


async def create_webhook(
    session: AsyncSession, client: Client, settings: ApiSettings, body: WebhookCreate, by: Principal
) -> WebhookCreated:
    """Store the subscription and its audit entry in one transaction, then start its delivery workflow."""
    check_url(body.url, allow_http=settings.webhooks_allow_http)
    secret = body.secret if body.secret is not None else new_secret()
    check_secret(secret)
    now = datetime.now(UTC)
    webhook_id = uuid.uuid4().hex
    row = await writes.add_webhook(
        session,
        webhook_id=webhook_id,
        url=body.url,
        event_types=[t.value for t in body.event_types],
        secret=secret,
        seal=link_seal(settings),
        created_by=by.key_id,
        now=now,
        personal_data_allowed_by=by.key_id if body.include_personal_data else None,
        personal_data_reason=body.personal_data_reason if body.include_personal_data else None,
    )
    detail = {"event_types": row.event_types, "include_personal_data": row.include_personal_data}
    await audit_trail(session, by, "webhook_created", webhook_id, now, detail=detail)
    created = WebhookCreated.model_validate({**_public(row).model_dump(), "secret": secret})
    await session.commit()
    await _start(client, settings, webhook_id)
    return created


async def _start(client: Client, settings: ApiSettings, webhook_id: str) -> None:
    """Best effort: if Temporal is away now, the first event's delivery starts the workflow
    (signal-with-start in activities.webhooks), so the webhook loses nothing."""
    try:
        await temporal_calls.start(
            client,
            WebhookDeliveryWorkflow.run,
            WebhookDeliveryStart(webhook_id=webhook_id),
            workflow_id=webhook_workflow_id(webhook_id),
            task_queue=settings.task_queue,
        )
    except Exception as exc:  # best effort by design, see the docstring
        log.warning("webhook_start_deferred", webhook_id=webhook_id, error=type(exc).__name__)


async def delete_webhook(session: AsyncSession, client: Client, webhook_id: str, by: Principal) -> None:
    """Delete the subscription, its deliveries and their log (audited), then cancel its workflow."""
    if not await writes.remove_webhook(session, webhook_id):
        raise not_found(WEBHOOK_NOT_FOUND)
    await audit_trail(session, by, "webhook_deleted", webhook_id, datetime.now(UTC))
    await session.commit()
    # 👉 Best effort too: a run that misses the cancel finds the webhook gone on its next look and ends.
    await temporal_calls.cancel(client, webhook_workflow_id(webhook_id))


async def list_webhooks(session: AsyncSession, *, limit: int, offset: int) -> Page[WebhookPublic]:
    rows, total = await reads.list_webhooks(session, limit=limit, offset=offset)
    return Page(items=[_public(row) for row in rows], total=total, limit=limit, offset=offset)


async def read_webhook(session: AsyncSession, webhook_id: str) -> WebhookPublic:
    row = await reads.webhook(session, webhook_id)
    if row is None:
        raise not_found(WEBHOOK_NOT_FOUND)
    return _public(row)


async def delivery_log(session: AsyncSession, webhook_id: str, *, limit: int, offset: int) -> Page[DeliveryPublic]:
    await read_webhook(session, webhook_id)
    logged, total = await reads.delivery_log(session, webhook_id, limit=limit, offset=offset)
    items = [
        DeliveryPublic.model_validate(
            {
                "id": item.delivery.id,
                "project_id": item.delivery.project_id,
                "event_seq": item.delivery.event_seq,
                "event_type": item.delivery.event_type,
                "status": item.status,
                "attempts": item.delivery.attempts,
                "created_at": item.delivery.created_at,
                "delivered_at": item.delivery.delivered_at,
                "last_attempts": list(item.last_attempts),
            }
        )
        for item in logged
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


def _public(row: Webhook) -> WebhookPublic:
    return WebhookPublic.model_validate(row)
