"""Webhooks (admin only): subscribe another system to domain events, list, read, delete, and read the
delivery log. The secret is in the create answer only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.access import access
from api.auth import Principal
from api.deps import LimitQuery, OffsetQuery, SessionDep, SettingsDep, TemporalDep
from api.errors import error_responses
from api.schemas import Page
from api.webhooks import service
from api.webhooks.schemas import DeliveryPublic, WebhookCreate, WebhookCreated, WebhookPublic

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
Admin = Annotated[Principal, access("admin")]
WebhookId = Annotated[
    str, Path(min_length=1, max_length=64, description="The webhook's id, as its create answer gave it.")
]


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 422))
async def create_webhook(
    body: WebhookCreate, principal: Admin, session: SessionDep, client: TemporalDep, settings: SettingsDep
) -> WebhookCreated:
    """Subscribe a URL to event types; the secret is in this response only."""
    return await service.create_webhook(session, client, settings, body, principal)


@router.get("", responses=error_responses(401, 403))
async def list_webhooks(
    principal: Admin, session: SessionDep, limit: LimitQuery = 50, offset: OffsetQuery = 0
) -> Page[WebhookPublic]:
    """Every webhook, oldest first (never its secret)."""
    return await service.list_webhooks(session, limit=limit, offset=offset)


@router.get("/{webhook_id}", responses=error_responses(401, 403, 404))
async def read_webhook(webhook_id: WebhookId, principal: Admin, session: SessionDep) -> WebhookPublic:
    """One webhook (never its secret)."""
    return await service.read_webhook(session, webhook_id)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403, 404))
async def delete_webhook(webhook_id: WebhookId, principal: Admin, session: SessionDep, client: TemporalDep) -> Response:
    """Delete a webhook, its deliveries and their log; its delivery workflow is cancelled."""
    await service.delete_webhook(session, client, webhook_id, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", responses=error_responses(401, 403, 404))
async def list_deliveries(
    webhook_id: WebhookId, principal: Admin, session: SessionDep, limit: LimitQuery = 50, offset: OffsetQuery = 0
) -> Page[DeliveryPublic]:
    """The delivery log, newest first: status (pending, delivered, failing), attempts, the last attempts."""
    return await service.delivery_log(session, webhook_id, limit=limit, offset=offset)
