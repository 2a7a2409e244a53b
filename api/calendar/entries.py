"""What a calendar shows, as plain values: one `Entry` per workshop, display opening and closing,
milestone due date and placement, built from read-model rows with a UID that never changes.

Why UIDs from ids (`workshop-{project}-{id}@engage`): a calendar matches a changed event to the one
it holds by UID, so the same session keeps its UID through every move, in every feed and download.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.state import OUTSTANDING, DisplayState, WorkshopState
from store.tables import ExchangePlacement, Milestone, Project

MUSEUM_ZONE = "Europe/London"
UID_DOMAIN = "engage"


@dataclass(frozen=True)
class Entry:
    """One calendar event: times are aware datetimes (shown in `zone`), or dates for all-day events
    (`end` exclusive, as RFC 5545 has it)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date | None = None
    location: str = ""
    description: str = ""
    cancelled: bool = False
    zone: str = MUSEUM_ZONE

    def fingerprint(self) -> str:
        """A hash of what the event says: when it changes, the event's SEQUENCE grows."""
        said = [self.summary, _iso(self.start), _iso(self.end), self.location, self.description, self.cancelled]
        return hashlib.sha256(json.dumps(said).encode()).hexdigest()


def _iso(moment: datetime | date | None) -> str:
    return "" if moment is None else moment.isoformat()


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or MUSEUM_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(MUSEUM_ZONE)


def workshop_uid(project_id: str, workshop_id: str) -> str:
    return f"workshop-{project_id}-{workshop_id}@{UID_DOMAIN}"


def workshops(project: Project) -> list[WorkshopState]:
    return [WorkshopState.model_validate(item) for item in (project.state or {}).get("workshops") or []]


def display(project: Project) -> DisplayState | None:
    found: dict[str, Any] | None = (project.state or {}).get("display")
    return DisplayState.model_validate(found) if found else None


def workshop_entry(project: Project, workshop: WorkshopState) -> Entry:
    """A session, in the project's zone; a cancelled one stays, marked CANCELLED, so calendars drop it."""
    zone = zone_of(project.timezone)
    note = f"Cancelled: {workshop.cancel_reason}" if workshop.cancelled_at is not None else ""
    return Entry(
        uid=workshop_uid(project.id, workshop.id),
        summary=f"{workshop.title} ({project.title})",
        start=workshop.starts_at.astimezone(zone),
        end=workshop.ends_at.astimezone(zone),
        location=workshop.place,
        description=note or f"Workshop of the project {project.title}.",
        cancelled=workshop.cancelled_at is not None,
        zone=zone.key,
    )


def display_entries(project: Project, shown: DisplayState) -> list[Entry]:
    """The opening and the closing, each an event of its own at its moment (the display itself runs
    for weeks: two reminders a person can act on, rather than a bar across a month)."""
    zone = zone_of(project.timezone)
    about = f"The display of the project {project.title}."
    return [
        Entry(
            uid=f"display-{moment}-{project.id}@{UID_DOMAIN}",
            summary=f"{label}: {shown.title}",
            start=at.astimezone(zone),
            location=shown.location,
            description=about,
            zone=zone.key,
        )
        for moment, label, at in (
            ("opens", "Display opens", shown.opens_at),
            ("closes", "Display closes", shown.closes_at),
        )
    ]


def milestone_entry(project: Project, milestone: Milestone) -> Entry | None:
    """A due date still owed, as an all-day event on its local date; None once nothing is owed."""
    if milestone.due_at is None or milestone.status not in {str(status) for status in OUTSTANDING}:
        return None
    day = milestone.due_at.astimezone(zone_of(project.timezone)).date()
    return Entry(
        uid=f"due-{project.id}-{milestone.key}@{UID_DOMAIN}",
        summary=f"Due: {milestone.title} ({project.title})",
        start=day,
        end=day + timedelta(days=1),
        description=f"{_submitter(milestone)} submits this milestone of the project {project.title}.",
        zone=zone_of(project.timezone).key,
    )


def _submitter(milestone: Milestone) -> str:
    return "The partner" if milestone.submitter == "partner" else "Museum staff"


def placement_entry(placement: ExchangePlacement, title: str) -> Entry:
    """A placement's days, all-day from its first to its last (inclusive), named by its project's title."""
    return Entry(
        uid=f"placement-{placement.year}-{placement.id}@{UID_DOMAIN}",
        summary=f"Knowledge Exchange placement: {title}",
        start=placement.starts_on,
        end=placement.ends_on + timedelta(days=1),
        description=f"Knowledge Exchange {placement.year}, placement {placement.direction.replace('_', ' ')}.",
    )
