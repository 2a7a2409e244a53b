"""Times on pages: shown to people in a zone (the project's, or the museum's), and read back from a
`datetime-local` input in that zone.

Why its own module: every page that shows or takes a time uses these four, and `api.pages.web` (render,
forms, refusals) registers the two display ones as template filters. Split from it by what they do.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime | None, tz: str = "UTC") -> str:
    """A date and time as people read it, in `tz` (the project's zone), naming the zone."""
    if moment is None:
        return "—"
    here = moment.astimezone(zone(tz))
    return f"{here:%a} {here.day} {here:%b %Y, %H:%M} {here.tzname() or tz}"


def local_input(moment: datetime | None, tz: str = "UTC") -> str:
    """The value of a `datetime-local` input showing `moment` in `tz`."""
    return "" if moment is None else moment.astimezone(zone(tz)).strftime("%Y-%m-%dT%H:%M")


def parse_local(value: str, tz: str) -> datetime | str:
    """A `datetime-local` value read in `tz`, or the reason it cannot be read."""
    if not value.strip():
        return "enter a date and time"
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError:
        return "enter a date and time such as 2030-05-01T14:00"
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=zone(tz))
