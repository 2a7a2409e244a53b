"""Which dated things a project is waiting for, and what each does when its time comes.

ProjectWorkflow sleeps until the earliest `pending_actions` entry (a durable timer), then fires
every action that is due. Everything is derived from state, so a pause (no actions), a resume
(due dates shifted) or a moved display date changes the next timer with no bookkeeping.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.events import EventType, JsonScalar
from domain.lifecycle import Audience, LifecycleTemplate, Party, Stage
from domain.state import OUTSTANDING, MilestoneState, ProjectState
from domain.transitions import Change


class ActionKind(StrEnum):
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    WORKSHOP_REMINDER = "workshop_reminder"
    DISPLAY_OPENING = "display_opening"
    DISPLAY_CLOSING = "display_closing"


class TimedAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    kind: ActionKind
    target: str = ""
    label: str = ""


def submitter_audience(milestone: MilestoneState) -> tuple[Audience, ...]:
    return (Audience.PARTNERS,) if milestone.submitter is Party.PARTNER else (Audience.LEAD,)


def pending_actions(template: LifecycleTemplate, state: ProjectState) -> list[TimedAction]:
    """Every dated action not yet taken, in time order. Empty while paused or ended."""
    if state.paused_at is not None or not state.stages or state.stages[-1].closed_at is not None:
        return []
    opened_at = state.stages[-1].opened_at
    actions: list[TimedAction] = []
    for m in state.stage_milestones():
        found = template.milestone(m.key)
        if found is None or m.status not in OUTSTANDING or m.due_at is None:
            continue
        policy = found[1].reminders
        for offset in policy.remind_before:
            at = offset.before(m.due_at)
            if offset not in m.reminders_sent and at >= opened_at:
                actions.append(TimedAction(at=at, kind=ActionKind.REMINDER, target=m.key, label=offset))
        if policy.overdue_notice and not m.overdue_notified:
            actions.append(TimedAction(at=m.due_at, kind=ActionKind.OVERDUE, target=m.key))
        if policy.escalate_after is not None and not m.escalated:
            at = policy.escalate_after.after(m.due_at)
            actions.append(TimedAction(at=at, kind=ActionKind.ESCALATION, target=m.key, label=policy.escalate_after))
    workshops = template.stage(Stage.WORKSHOPS)
    if workshops and workshops.session_reminder and state.stage in (Stage.PARTNERSHIP, Stage.WORKSHOPS):
        for w in state.workshops:
            if not w.reminder_sent and w.awaits_attendance():
                at = max(workshops.session_reminder.before(w.starts_at), opened_at)
                if at < w.starts_at:
                    actions.append(TimedAction(at=at, kind=ActionKind.WORKSHOP_REMINDER, target=w.id))
    if state.stage is Stage.DISPLAY and state.display is not None:
        if not state.display.opened:
            actions.append(TimedAction(at=state.display.opens_at, kind=ActionKind.DISPLAY_OPENING))
        stage_template = template.stage(Stage.DISPLAY)
        if stage_template is not None and stage_template.closes_with_display:
            actions.append(TimedAction(at=state.display.closes_at, kind=ActionKind.DISPLAY_CLOSING))
    return sorted(actions, key=lambda a: (a.at, list(ActionKind).index(a.kind)))


def fire(state: ProjectState, action: TimedAction) -> tuple[Change, tuple[Audience, ...] | None]:
    """Mark `action` taken and say what to record and whom to tell. Display closing is the
    workflow's (it closes the stage), so it is only marked here by the stage gate.

    The audience None means "whom the template's `notify` names for this event" (display opening
    and closing); a tuple (reminders, notices) overrides it, because those go to the milestone's
    submitter, which no template entry can say. Only the notify list carried in the recording
    activity's input depends on it, so histories recorded before this keep replaying.
    """
    if action.kind is ActionKind.WORKSHOP_REMINDER:
        workshop = state.workshop(action.target)
        assert workshop is not None
        workshop.reminder_sent = True
        detail: dict[str, JsonScalar] = {"workshop_id": workshop.id, "starts_at": workshop.starts_at.isoformat()}
        return (EventType.WORKSHOP_REMINDER, None, detail), (Audience.PARTNERS,)
    if action.kind is ActionKind.DISPLAY_OPENING:
        assert state.display is not None
        state.display.opened = True
        return (EventType.DISPLAY_OPENED, None, {"location": state.display.location}), None
    if action.kind is ActionKind.DISPLAY_CLOSING:
        return (EventType.DISPLAY_CLOSED, None, {}), None
    milestone = state.milestone(action.target)
    assert milestone is not None
    due = milestone.due_at.isoformat() if milestone.due_at else None
    if action.kind is ActionKind.REMINDER:
        milestone.reminders_sent.append(action.label)
        change: Change = (EventType.MILESTONE_REMINDER, milestone.key, {"before": action.label, "due_at": due})
        return change, submitter_audience(milestone)
    if action.kind is ActionKind.OVERDUE:
        milestone.overdue_notified = True
        return (EventType.MILESTONE_OVERDUE, milestone.key, {"due_at": due}), submitter_audience(milestone)
    milestone.escalated = True
    return (EventType.MILESTONE_ESCALATED, milestone.key, {"due_at": due}), (Audience.LEAD,)
