"""Administrators' webhook pages (issue 16, "Events out", on pages): `/webhooks` lists the subscriptions
and adds one, `/webhooks/{id}` shows one and its delivery log, and deleting asks first on a page of its own.

The forms parse into the JSON routes' schema (`WebhookCreate`) and call the same service functions
(api.webhooks.service), so page and API refuse alike. The secret is shown once, on the page that
answers the create, like an API key: it is stored sealed and never read back onto a page.
"""

from __future__ import annotations

from math import ceil
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError
from api.pages.form_body import form_body
from api.pages.session import Flash
from api.pages.web import FormError, Viewer, checked_form, not_found_page, redirect, render, text, texts
from api.webhooks import service
from api.webhooks.schemas import WebhookCreate, WebhookPublic
from domain.events import EventType

router = APIRouter(include_in_schema=False)

AdminViewer = Annotated[Viewer, page_access("admin")]

PAGE_SIZE = 50
LOG_PAGE_SIZE = 20
#: Event types as the form and the list name them (the wire names stay as they are).
EVENT_WORDS: dict[str, str] = {
    EventType.PROJECT_CREATED: "A project is created",
    EventType.STAGE_OPENED: "A project stage opens",
    EventType.STAGE_CLOSED: "A project stage closes",
    EventType.MILESTONE_SUBMITTED: "A partner submits a milestone",
    EventType.MILESTONE_ACCEPTED: "Staff accept a milestone",
    EventType.MILESTONE_RETURNED: "Staff return a milestone for changes",
    EventType.MILESTONE_REMINDER: "A milestone reminder is sent",
    EventType.MILESTONE_OVERDUE: "A milestone becomes overdue",
    EventType.MILESTONE_ESCALATED: "An overdue milestone is escalated",
    EventType.MILESTONE_LAPSED: "A milestone lapses",
    EventType.WORKSHOP_SCHEDULED: "A workshop is scheduled",
    EventType.WORKSHOP_REMINDER: "A workshop reminder is sent",
    EventType.ATTENDANCE_RECORDED: "Workshop attendance is recorded",
    EventType.WORKSHOP_CANCELLED: "A workshop is cancelled",
    EventType.DISPLAY_SET: "A display is planned",
    EventType.DISPLAY_OPENED: "A display opens",
    EventType.DISPLAY_CLOSED: "A display closes",
    EventType.PROJECT_PAUSED: "A project is paused",
    EventType.PROJECT_RESUMED: "A project is resumed",
    EventType.PROJECT_DECLINED: "A project is declined",
    EventType.PROJECT_WITHDRAWN: "A partner withdraws from a project",
    EventType.PROJECT_CLOSED: "A project is closed",
    EventType.FOLLOW_UP_STARTED: "Follow-up surveys start",
    EventType.FOLLOW_UP_SCHEDULED: "Follow-up surveys are scheduled",
    EventType.PLACEMENT_RESCHEDULED: "A Knowledge Exchange placement is rescheduled",
    EventType.LEAD_FORGOTTEN: "A project lead's personal data is erased",
    EventType.PROJECT_EDITED: "A project's details are edited",
}
STATUS_WORDS = {"pending": "Pending", "delivered": "Delivered", "failing": "Failing"}


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or "1"), 40_000))
    except ValueError:
        return 1


def _words(request: Request) -> dict[str, Any]:
    """What every webhook template needs to name things in plain words, and the museum's zone."""
    return {"event_words": EVENT_WORDS, "status_words": STATUS_WORDS, "tz": services_of(request).settings.timezone}


async def _list_page(
    request: Request,
    viewer: Viewer,
    *,
    error: FormError | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    page = _page_number(request.query_params.get("page"))
    async with services_of(request).sessionmaker() as session:
        found = await service.list_webhooks(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, ceil(found.total / PAGE_SIZE))
    context = _words(request) | {
        "webhooks": found.items,
        "total": found.total,
        "page": page,
        "pages": pages,
        "prev_link": f"/webhooks?page={page - 1}" if page > 1 else None,
        "next_link": f"/webhooks?page={page + 1}" if page < pages else None,
        "event_choices": list(EVENT_WORDS.items()),
        "error": error,
        "errors": {"new": error} if error else {},
        "values": values or {"event_types": []},
    }
    return render(request, "webhooks.html", viewer, status_code=status_code, **context)


@router.get("/webhooks")
async def webhooks_page(request: Request, viewer: AdminViewer) -> Response:
    """Every subscription (never its secret), and the form to add one."""
    return await _list_page(request, viewer)


@router.post("/webhooks")
async def add_webhook_page(request: Request, viewer: AdminViewer) -> Response:
    """Add a subscription; the answer is the one page that shows its secret."""
    form = await checked_form(request, viewer)
    personal = text(form, "include_personal_data") == "yes"
    values: dict[str, Any] = {
        "url": text(form, "url"),
        "event_types": texts(form, "event_types"),
        "include_personal_data": personal,
        "personal_data_reason": text(form, "personal_data_reason") or None,
    }
    body = form_body(WebhookCreate, values)
    if isinstance(body, FormError):
        return await _list_page(request, viewer, error=body, values=values, status_code=422)
    services = services_of(request)
    try:
        async with services.sessionmaker() as session:
            created = await service.create_webhook(session, services.client, services.settings, body, viewer.principal)
    except ApiError as refused:
        error = FormError.of(refused)
        return await _list_page(request, viewer, error=error, values=values, status_code=refused.status_code)
    context = _words(request) | {"webhook": created}
    return render(request, "webhook_created.html", viewer, **context)


async def _webhook(request: Request, webhook_id: str) -> WebhookPublic | None:
    if len(webhook_id) > 64:
        return None
    async with services_of(request).sessionmaker() as session:
        try:
            return await service.read_webhook(session, webhook_id)
        except ApiError:
            return None


@router.get("/webhooks/{webhook_id}")
async def webhook_page(request: Request, viewer: AdminViewer, webhook_id: str) -> Response:
    """One subscription and its delivery log, newest first, paged."""
    webhook = await _webhook(request, webhook_id)
    if webhook is None:
        return not_found_page(request, viewer)
    page = _page_number(request.query_params.get("page"))
    async with services_of(request).sessionmaker() as session:
        log = await service.delivery_log(session, webhook_id, limit=LOG_PAGE_SIZE, offset=(page - 1) * LOG_PAGE_SIZE)
    pages = max(1, ceil(log.total / LOG_PAGE_SIZE))
    here = f"/webhooks/{webhook_id}"
    context = _words(request) | {
        "webhook": webhook,
        "deliveries": log.items,
        "total": log.total,
        "page": page,
        "pages": pages,
        "prev_link": f"{here}?page={page - 1}" if page > 1 else None,
        "next_link": f"{here}?page={page + 1}" if page < pages else None,
    }
    return render(request, "webhook.html", viewer, **context)


@router.get("/webhooks/{webhook_id}/delete")
async def confirm_delete_page(request: Request, viewer: AdminViewer, webhook_id: str) -> Response:
    """Ask before deleting: it cannot be undone, and the receiver gets nothing more."""
    webhook = await _webhook(request, webhook_id)
    if webhook is None:
        return not_found_page(request, viewer)
    return render(request, "webhook_delete.html", viewer, webhook=webhook)


@router.post("/webhooks/{webhook_id}/delete")
async def delete_webhook_page(request: Request, viewer: AdminViewer, webhook_id: str) -> Response:
    await checked_form(request, viewer)
    if len(webhook_id) > 64:
        return not_found_page(request, viewer)
    services = services_of(request)
    try:
        async with services.sessionmaker() as session:
            await service.delete_webhook(session, services.client, webhook_id, viewer.principal)
    except ApiError:
        return not_found_page(request, viewer)
    flash = Flash("success", "Webhook deleted: nothing more will be sent to it, and its delivery log is gone.")
    return redirect(request, "/webhooks", flash)
