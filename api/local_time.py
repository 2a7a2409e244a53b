"""Times people send without an offset are read in the project's time zone (or the museum's).

Why: a person booking a session types "2027-03-01T10:00" and means ten o'clock where the project
happens, not an error. Every request time is a `Moment`; one sent without an offset is given the
zone of the request's project (its `timezone`, from the read model) or, for a Knowledge Exchange
programme (which has no zone of its own), the museum's (`ENGAGE_TIMEZONE`, Europe/London).

How: the route declares `ProjectZoneDep` or `MuseumZoneDep`. FastAPI solves dependencies before it
validates the body, so the dependency puts the zone in a context variable that the `Moment`
validator reads for that request only. Without one (a model built outside a route) a naive time is
refused, as before. A wall-clock time that does not exist or repeats at a DST change takes the
first reading (`fold=0`), as `zoneinfo` does.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request

from api.app_services import services_of
from store.projects import reads as project_reads

MUSEUM_ZONE = "Europe/London"
NEEDS_OFFSET = "give the time with its UTC offset, e.g. 2027-03-01T10:00:00+00:00"

_request_zone: ContextVar[ZoneInfo | None] = ContextVar("engage_request_zone", default=None)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or MUSEUM_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(MUSEUM_ZONE)


def forget_request_zone() -> None:
    """Start each request with no zone (api.http_guards calls this): where a server runs requests in
    one context (an in-process test client does), one request's zone must not serve the next."""
    _request_zone.set(None)


def in_request_zone(moment: datetime) -> datetime:
    """`moment` as sent if it has an offset; else read in this request's zone; else refused."""
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment
    zone = _request_zone.get()
    if zone is None:
        raise ValueError(NEEDS_OFFSET)
    return moment.replace(tzinfo=zone)


async def project_zone(project_id: str, request: Request) -> ZoneInfo:
    """The project's zone (the museum's for a project not in the read model: it is answered 404 later)."""
    async with services_of(request).sessionmaker() as session:
        project = await project_reads.get_project(session, project_id)
    zone = _zone(project.timezone if project is not None else None)
    _request_zone.set(zone)
    return zone


async def museum_zone(request: Request) -> ZoneInfo:
    zone = _zone(getattr(services_of(request).settings, "timezone", MUSEUM_ZONE))
    _request_zone.set(zone)
    return zone


ProjectZoneDep = Annotated[ZoneInfo, Depends(project_zone)]
MuseumZoneDep = Annotated[ZoneInfo, Depends(museum_zone)]
