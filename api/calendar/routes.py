"""Calendars over HTTP: `.ics` files of a workshop and a display, and the caller's private feed.

`GET /calendar/{token}.ics` takes no key: the token in the URL is the credential (a calendar app cannot
send one). It is rate-limited as survey links are (api.rate_limits) and never logged (the request log
keeps the route's template, not the path).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from api.access import access
from api.auth import Principal
from api.calendar import service
from api.calendar.ics import MEDIA_TYPE
from api.calendar.schemas import CalendarFeedPublic
from api.deps import ServicesDep, SessionDep
from api.errors import error_responses, not_found

router = APIRouter(tags=["calendars"])

FEED_NOT_FOUND = "Calendar feed not found."
ICS: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar."}}


def ics_response(body: bytes, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "private, no-cache"}
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


@router.get(
    "/api/v1/projects/{project_id}/workshops/{workshop_id}.ics",
    response_class=Response,
    responses=error_responses(401, 404) | ICS,
)
async def workshop_ics(
    project_id: str,
    workshop_id: Annotated[str, Path(min_length=1, max_length=32)],
    principal: Annotated[Principal, access("project_party")],
    session: SessionDep,
) -> Response:
    """One workshop session as a calendar file, in the project's time zone (cancelled: STATUS CANCELLED)."""
    body = await service.workshop_calendar(session, project_id, workshop_id, datetime.now(UTC))
    return ics_response(body, f"workshop-{workshop_id}.ics")


@router.get(
    "/api/v1/projects/{project_id}/display.ics", response_class=Response, responses=error_responses(401, 404) | ICS
)
async def display_ics(
    project_id: str, principal: Annotated[Principal, access("project_party")], session: SessionDep
) -> Response:
    """The display's opening and closing as a calendar file (404 while no display is set)."""
    return ics_response(await service.display_calendar(session, project_id, datetime.now(UTC)), "display.ics")


@router.get("/api/v1/calendar/feed", responses=error_responses(401))
async def read_feed(principal: Annotated[Principal, access("signed_in")], session: SessionDep) -> CalendarFeedPublic:
    """Whether the caller has a private feed (its URL was shown once, when made)."""
    made = await service.feed_made_at(session, principal)
    return CalendarFeedPublic(active=made is not None, created_at=made)


@router.post("/api/v1/calendar/feed", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 429))
async def create_feed(
    principal: Annotated[Principal, access("signed_in")], session: SessionDep, services: ServicesDep
) -> CalendarFeedPublic:
    """A new private feed URL for the caller; any older one stops working (revoked)."""
    made = await service.create_feed(session, principal, services.settings.base_url, datetime.now(UTC))
    return CalendarFeedPublic(active=True, url=made.url, created_at=made.created_at)


@router.delete(
    "/api/v1/calendar/feed", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 404, 429)
)
async def revoke_feed(principal: Annotated[Principal, access("signed_in")], session: SessionDep) -> Response:
    """Revoke the caller's feed: its URL answers 404 from now on (404 when there was none)."""
    if not await service.revoke_feed(session, principal, datetime.now(UTC)):
        raise not_found(FEED_NOT_FOUND)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/calendar/{token}.ics", response_class=Response, responses=error_responses(404, 429) | ICS)
async def feed(
    token: Annotated[str, Path(min_length=1, max_length=100)],
    _: Annotated[None, access("calendar_token")],
    services: ServicesDep,
) -> Response:
    """A person's private feed, generated now: what concerns them, kept current as dates move."""
    body = await service.feed_calendar(services.sessionmaker, services.settings.admin_key, token, datetime.now(UTC))
    if body is None:
        raise not_found(FEED_NOT_FOUND)
    return ics_response(body)
