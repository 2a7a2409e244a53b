"""E-mail texts: Jinja2 templates in `email_templates/`, one per event type, `default.txt` otherwise.

A template's first line is `Subject: ...`; the rest is the plain-text body. Dates are shown in the
project's own timezone (a partner in London reads 17:00, not 16:00 UTC). Templates get plain values
only, prepared here, so a template cannot reach into the state and break on a missing attribute
(StrictUndefined turns a typo into a failing test rather than a blank in someone's inbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from domain.lifecycle import Stage
from domain.state import OUTSTANDING, ProjectState
from store.outbox import RenderedEmail
from store.projects.writes_mail import EmailContext

TEMPLATES = Path(__file__).resolve().parent / "email_templates"


def project_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def format_when(moment: datetime, zone: tzinfo) -> str:
    """'Friday 12 December 2026 at 17:00 GMT': day first, 24-hour clock, in the project's timezone."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} {local.tzname() or ''}".rstrip()


def _parse_moment(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class TemplateRenderer:
    """An `EmailRenderer` (store.projects.writes_mail) over the shipped templates; links start at `base_url`."""

    base_url: str
    environment: Environment

    @classmethod
    def create(cls, base_url: str, folder: Path = TEMPLATES) -> TemplateRenderer:
        environment = Environment(
            loader=FileSystemLoader(folder),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text mail: nothing is interpreted as HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        return cls(base_url=base_url.rstrip("/"), environment=environment)

    def __call__(self, context: EmailContext) -> RenderedEmail:
        template = self.environment.select_template([f"{context.event.type.value}.txt", "default.txt"])
        text = template.render(self.variables(context))
        first, _, rest = text.partition("\n")
        if not first.startswith("Subject:"):
            raise ValueError(f"e-mail template {template.name!r} must start with a 'Subject:' line")
        subject = " ".join(first.removeprefix("Subject:").split())
        return RenderedEmail(subject=subject, body=rest.strip("\n") + "\n")

    def variables(self, context: EmailContext) -> dict[str, Any]:
        event, state = context.event, context.snapshot
        zone = project_zone(state.timezone)
        detail = event.detail
        return {
            "recipient_name": context.recipient_name,
            "audience": context.audience.value,
            "event_type": event.type.value,
            "project_title": state.title,
            "project_id": state.project_id,
            "stage": event.stage.value.replace("_", "-"),
            "current_stage": state.stage.value.replace("_", "-"),
            "link": f"{self.base_url}/projects/{state.project_id}",
            "milestone_title": _milestone_title(state, event.milestone_key),
            "due": _when(_milestone_due(state, event.milestone_key, detail.get("due_at")), zone),
            "stage_due": _when(_stage_due(state, event.stage), zone),
            "workshop": _workshop(state, detail.get("workshop_id"), zone),
            "display": _display(state, zone),
            "note": str(detail.get("note") or ""),
            "reason": str(detail.get("reason") or ""),
            "submission_number": detail.get("submission"),
            "review_required": _review_required(state, event.milestone_key),
        }


def _when(moment: datetime | None, zone: tzinfo) -> str | None:
    return format_when(moment, zone) if moment is not None else None


def _milestone_title(state: ProjectState, key: str | None) -> str | None:
    milestone = state.milestone(key) if key else None
    return milestone.title if milestone else None


def _review_required(state: ProjectState, key: str | None) -> bool:
    """Whether someone must decide on the milestone: only then does its e-mail ask for a decision."""
    milestone = state.milestone(key) if key else None
    return milestone.review_required if milestone else True


def _milestone_due(state: ProjectState, key: str | None, recorded: object) -> datetime | None:
    """The due date the event recorded, else the milestone's current one."""
    milestone = state.milestone(key) if key else None
    return _parse_moment(recorded) or (milestone.due_at if milestone else None)


def _stage_due(state: ProjectState, stage: Stage) -> datetime | None:
    """The earliest due date still owed in `stage` (for 'this stage has begun' e-mails)."""
    dues = [m.due_at for m in state.stage_milestones(stage) if m.status in OUTSTANDING and m.due_at]
    return min(dues) if dues else None


def _workshop(state: ProjectState, workshop_id: object, zone: tzinfo) -> dict[str, str] | None:
    workshop = state.workshop(workshop_id) if isinstance(workshop_id, str) else None
    if workshop is None:
        return None
    return {"title": workshop.title, "place": workshop.place, "starts": format_when(workshop.starts_at, zone)}


def _display(state: ProjectState, zone: tzinfo) -> dict[str, str] | None:
    display = state.display
    if display is None:
        return None
    return {
        "title": display.title,
        "location": display.location,
        "opens": format_when(display.opens_at, zone),
        "closes": format_when(display.closes_at, zone),
    }
