"""Entries -> an RFC 5545 calendar (`icalendar` from PyPI): one VTIMEZONE per zone used, and on every
VEVENT its UID, DTSTAMP (when what it says last changed), SEQUENCE and LAST-MODIFIED.

Why DTSTAMP is the change's time and not now: the feed is generated on each request, and an event
that did not change must read the same each time (a calendar compares SEQUENCE, then DTSTAMP).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from icalendar import Calendar, Event

from api.calendar.entries import Entry

PRODID = "-//Engage//Community engagement calendar//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def render(name: str, entries: Sequence[Entry], versions: Mapping[str, tuple[int, datetime]]) -> bytes:
    """The calendar called `name` holding `entries`; `versions`: UID -> (SEQUENCE, DTSTAMP)."""
    calendar = Calendar.new(prodid=PRODID, name=name, calscale="GREGORIAN")
    calendar.add("method", "PUBLISH")
    for entry in entries:
        sequence, stamp = versions[entry.uid]
        event = Event.new(
            uid=entry.uid,
            summary=entry.summary,
            start=entry.start,
            end=entry.end,
            location=entry.location or None,
            description=entry.description or None,
            sequence=sequence,
            stamp=stamp,
            last_modified=stamp,
        )
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if not isinstance(entry.start, datetime) else "OPAQUE")
        calendar.add_component(event)
    calendar.add_missing_timezones(*_years_spanned(entries))
    body: bytes = calendar.to_ical()
    return body


def _years_spanned(entries: Sequence[Entry]) -> tuple[date, date]:
    """The VTIMEZONE's span: the years the events fall in and one either side (the library's default,
    1970 to 2038, lists every change in between; a calendar needs only the ones its events meet)."""
    years = [entry.start.year for entry in entries] or [datetime.now().year]
    return date(min(years) - 1, 1, 1), date(max(years) + 2, 1, 1)
