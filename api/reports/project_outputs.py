"""The project report's outputs: what was done, counted from the project's state (the workflow's own record).

Each count's rule is written once here and in words on its field (api.reports.project_schemas.Outputs):
- sessions held: workshops with attendance recorded that were not cancelled; attendance: their sum;
- display days: calendar days in the project's time zone from opening to closing (both counted), up to
  today while the display is still open, 0 before it opens or with no display;
- milestones on time / late: by the FIRST submission against the due date (on or before it: on time); a
  milestone past its due date with no submission is late; one not yet due and not submitted is counted
  apart; milestones without a due date, and optional ones skipped unsubmitted, are in neither;
- costs: per milestone its latest costed submission unless declined (api.exchange.dashboard.costs_of,
  the rule the Knowledge Exchange dashboard and case studies use).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.exchange.dashboard import costs_of
from api.reports.project_schemas import CostLine, Outputs, PartnerName
from domain.state import DisplayState, MilestoneStatus, ProjectState

REACHED_COUNTS = (
    "People registered for the project's follow-up surveys, each counted once, whether or not they have answered."
)


def outputs_of(state: ProjectState, partner_names: Mapping[str, str], reached: int, now: datetime) -> Outputs:
    held = [w for w in state.workshops if w.attendance is not None and w.cancelled_at is None]
    on_time, late, not_yet_due = milestone_timeliness(state, now)
    costs = [CostLine(milestone=title, amount=amount) for title, amount in costs_of(state)]
    return Outputs(
        sessions_held=len(held),
        attendance_total=sum(w.attendance or 0 for w in held),
        participants_reached=reached,
        participants_reached_counts=REACHED_COUNTS,
        partner_count=len(state.partner_ids),
        partners=[PartnerName(id=pid, name=partner_names.get(pid, pid)) for pid in state.partner_ids],
        display_days=display_days(state.display, state.timezone, now),
        milestones_on_time=on_time,
        milestones_late=late,
        milestones_not_yet_due=not_yet_due,
        costs_gbp=round(sum(line.amount for line in costs), 2),
        cost_lines=costs,
    )


def display_days(display: DisplayState | None, timezone: str, now: datetime) -> int:
    """Calendar days open, first and last both counted, in the project's zone; 0 with none or not yet open."""
    if display is None or display.opens_at >= now:
        return 0
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    # 👉 The last moment it was open: closing at midnight means open through the day before.
    last = min(display.closes_at, now) - timedelta(microseconds=1)
    return max(0, (last.astimezone(zone).date() - display.opens_at.astimezone(zone).date()).days + 1)


def milestone_timeliness(state: ProjectState, now: datetime) -> tuple[int, int, int]:
    """(on time, late, not yet due) over the milestones that have a due date."""
    on_time = late = not_yet_due = 0
    for milestone in state.milestones:
        if milestone.due_at is None:
            continue
        if milestone.submissions:
            if milestone.submissions[0].submitted_at <= milestone.due_at:
                on_time += 1
            else:
                late += 1
        elif milestone.status is MilestoneStatus.SKIPPED:
            continue
        elif milestone.due_at <= now:
            late += 1
        else:
            not_yet_due += 1
    return on_time, late, not_yet_due
