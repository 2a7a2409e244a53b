"""Calendar pages: get, copy and revoke your private feed URL; `.ics` downloads from the project page.

The feed URL is shown once, on the page that answers the POST (never in a redirect or a cookie), marked
`no-store`, as a new key is: only its token's hash is kept. The forms and downloads call the same
service functions as the JSON routes (api.calendar.service).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response

from api.access import page_access
from api.app_services import services_of
from api.calendar import service
from api.calendar.routes import ics_response
from api.errors import ApiError
from api.pages.session import Flash
from api.pages.web import Viewer, checked_form, not_found_page, redirect, render

router = APIRouter(include_in_schema=False)

SignedIn = Annotated[Viewer, page_access("signed_in")]
Party = Annotated[Viewer, page_access("project_party")]


@router.get("/calendar")
async def calendar_page(request: Request, viewer: SignedIn) -> Response:
    """Whether you have a feed, and the forms to make a new one or revoke it."""
    async with services_of(request).sessionmaker() as session:
        made = await service.feed_made_at(session, viewer.principal)
    return render(request, "calendar.html", viewer, made_at=made, url=None)


@router.post("/calendar/feed")
async def create_feed_page(request: Request, viewer: SignedIn) -> Response:
    """Make a new feed URL (any older one stops working) and show it, once."""
    await checked_form(request, viewer)
    services = services_of(request)
    async with services.sessionmaker() as session:
        made = await service.create_feed(session, viewer.principal, services.settings.base_url, datetime.now(UTC))
    page = render(
        request, "calendar.html", viewer, status_code=status.HTTP_201_CREATED, made_at=made.created_at, url=made.url
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/calendar/feed/revoke")
async def revoke_feed_page(request: Request, viewer: SignedIn) -> Response:
    """Revoke your feed: calendars subscribed to it stop updating."""
    await checked_form(request, viewer)
    async with services_of(request).sessionmaker() as session:
        revoked = await service.revoke_feed(session, viewer.principal, datetime.now(UTC))
    words = "Your calendar feed is revoked: its address no longer works." if revoked else "You had no feed."
    return redirect(request, "/calendar", Flash("success", words))


@router.get("/projects/{project_id}/workshops/{workshop_id}.ics")
async def workshop_ics_page(
    request: Request, viewer: Party, project_id: str, workshop_id: Annotated[str, Path(max_length=32)]
) -> Response:
    """A workshop as a calendar file, for the project page's link."""
    try:
        async with services_of(request).sessionmaker() as session:
            body = await service.workshop_calendar(session, project_id, workshop_id, datetime.now(UTC))
    except ApiError:
        return not_found_page(request, viewer)
    return ics_response(body, f"workshop-{workshop_id}.ics")


@router.get("/projects/{project_id}/display.ics")
async def display_ics_page(request: Request, viewer: Party, project_id: str) -> Response:
    """The display's opening and closing as a calendar file, for the project page's link (while no display
    is set, back to the project page, which says so: the project exists and the viewer may see it)."""
    try:
        async with services_of(request).sessionmaker() as session:
            body = await service.display_calendar(session, project_id, datetime.now(UTC))
    except ApiError:
        return redirect(request, f"/projects/{project_id}", Flash("error", service.NO_DISPLAY))
    return ics_response(body, "display.ics")
