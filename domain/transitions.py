"""How accepted input and reached dates change a project's state: pure functions over ProjectState.

The workflow calls these after a `domain.rules` check passed; each returns the event(s) to emit
as (type, milestone_key, detail) so the workflow only numbers and records them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.events import EventType, JsonScalar
from domain.lifecycle import STAGE_ORDER, LifecycleTemplate, Stage
from domain.state import (
    OUTSTANDING,
    DisplayState,
    MilestoneState,
    MilestoneStatus,
    ProjectInput,
    ProjectState,
    StageRecord,
    SubmissionRecord,
    WorkshopState,
)
from domain.submissions import (
    Attendance,
    Decision,
    DisplayPlan,
    MilestoneSubmission,
    ReviewDecision,
    WorkshopCancellation,
    WorkshopSession,
)

Change = tuple[EventType, str | None, dict[str, JsonScalar]]


def new_project(start: ProjectInput) -> ProjectState:
    """The state of a project that has just been created: every milestone of every stage, pending."""
    template = start.template
    milestones = [
        MilestoneState(
            key=m.key,
            stage=s.stage,
            title=m.title,
            submitter=m.submitter,
            review_required=m.review_required,
            required=m.required,
            rates_outcomes=m.rates_outcomes,
        )
        for s in template.stages
        for m in s.milestones
    ]
    return ProjectState(
        project_id=start.project_id,
        template_name=template.name,
        template_version=template.version,
        kind=template.kind,
        title=start.title,
        summary=start.summary,
        lead=start.lead,
        partner_ids=list(start.partner_ids),
        timezone=start.timezone,
        follow_up_schedule=list(start.follow_up_schedule or template.follow_up_schedule),
        created_at=start.created_at,
        updated_at=start.created_at,
        milestones=milestones,
        intended_outcomes=dict(start.intended_outcomes),
    )


def open_stage(template: LifecycleTemplate, state: ProjectState, stage: Stage, now: datetime) -> Change:
    """Enter `stage`: record it and give its milestones due dates counted from now."""
    stage_template = template.stage(stage)
    state.stage = stage
    state.stages.append(StageRecord(stage=stage, opened_at=now))
    if stage_template is not None:
        for mt in stage_template.milestones:
            milestone = state.milestone(mt.key)
            assert milestone is not None  # new_project created one per template milestone
            milestone.due_at = mt.due.after(now)
    return EventType.STAGE_OPENED, None, {"stage": stage.value}


def close_stage(state: ProjectState, now: datetime, *, skip_optional: bool = True) -> Change:
    """Stamp the stage closed; an optional milestone nobody did reads `skipped` from now on.

    `skip_optional=False` is the behaviour before issue 12 (left `pending`), for runs whose
    history predates the workflow's patch.
    """
    record = state.stages[-1]
    record.closed_at = now
    if skip_optional:
        for m in state.stage_milestones(record.stage):
            if not m.required and m.status in OUTSTANDING:
                m.status = MilestoneStatus.SKIPPED
    return EventType.STAGE_CLOSED, None, {"stage": record.stage.value}


def gate_open(
    template: LifecycleTemplate, state: ProjectState, now: datetime, *, every_session_recorded: bool = False
) -> bool:
    """Whether the current stage is complete and the next one may open.

    With `every_session_recorded` (issue 12; the workflow passes its patch), the workshops stage
    also waits until every scheduled session is recorded or cancelled, so no attendance is lost.
    """
    stage_template = template.stage(state.stage)
    if stage_template is None or state.stage is Stage.FOLLOW_UP or state.paused_at is not None:
        return False
    if stage_template.closes_with_display:
        return state.display is not None and now >= state.display.closes_at
    met = all(m.is_met() for m in state.stage_milestones() if m.required)
    held = sum(1 for w in state.workshops if w.attendance is not None)
    if every_session_recorded and state.stage is Stage.WORKSHOPS and unrecorded_sessions(state):
        return False
    return met and held >= stage_template.min_sessions


def unrecorded_sessions(state: ProjectState) -> bool:
    """Whether some scheduled session still awaits its attendance (none cancelled counts)."""
    return any(w.awaits_attendance() for w in state.workshops)


def lapse_outstanding(state: ProjectState) -> list[Change]:
    """A stage closing by date leaves unmet milestones lapsed rather than open for ever."""
    changes: list[Change] = []
    for m in state.stage_milestones():
        if not m.is_met():
            m.status = MilestoneStatus.LAPSED
            changes.append((EventType.MILESTONE_LAPSED, m.key, {}))
    return changes


def following_stage(template: LifecycleTemplate, stage: Stage) -> Stage:
    nxt = template.next_stage(stage)
    assert nxt is not None and STAGE_ORDER.index(nxt) > STAGE_ORDER.index(stage)
    return nxt


def apply_submission(state: ProjectState, submission: MilestoneSubmission, now: datetime) -> Change:
    milestone = state.milestone(submission.milestone_key)
    assert milestone is not None
    number = len(milestone.submissions) + 1
    milestone.submissions.append(
        SubmissionRecord(
            number=number,
            actor=submission.actor,
            summary=submission.summary,
            links=submission.links,
            cost=submission.cost,
            submitted_at=now,
            on_behalf_of=submission.on_behalf_of,
            outcome_ratings=dict(submission.outcome_ratings),
        )
    )
    milestone.status = MilestoneStatus.SUBMITTED
    detail: dict[str, JsonScalar] = {"submission": number}
    if submission.on_behalf_of is not None:  # 👉 only then: earlier events keep their recorded detail
        detail["on_behalf_of"] = submission.on_behalf_of
    return EventType.MILESTONE_SUBMITTED, milestone.key, detail


def apply_review(state: ProjectState, review: ReviewDecision, now: datetime, *, mark_declined: bool = True) -> Change:
    """Record the decision on the latest submission. A decline ends the project and the milestone
    reads `declined` (`returned` when `mark_declined` is False: runs from before issue 12)."""
    milestone = state.milestone(review.milestone_key)
    assert milestone is not None and milestone.submissions
    latest = milestone.submissions[-1]
    latest.decision, latest.note, latest.reviewed_at, latest.reviewer = (
        review.decision,
        review.note,
        now,
        review.actor,
    )
    detail: dict[str, JsonScalar] = {"submission": latest.number, "note": review.note}
    if review.decision is Decision.ACCEPT:
        milestone.status = MilestoneStatus.ACCEPTED
        return EventType.MILESTONE_ACCEPTED, milestone.key, detail
    if review.decision is Decision.RETURN:
        milestone.status = MilestoneStatus.RETURNED
        return EventType.MILESTONE_RETURNED, milestone.key, detail
    milestone.status = MilestoneStatus.DECLINED if mark_declined else MilestoneStatus.RETURNED
    return end_project(state, Stage.DECLINED, review.note, now)


def end_project(state: ProjectState, stage: Stage, reason: str, now: datetime) -> Change:
    if state.stages and state.stages[-1].closed_at is None:
        state.stages[-1].closed_at = now
    state.stage, state.ended_reason, state.paused_at = stage, reason, None
    event = {
        Stage.DECLINED: EventType.PROJECT_DECLINED,
        Stage.WITHDRAWN: EventType.PROJECT_WITHDRAWN,
        Stage.CLOSED: EventType.PROJECT_CLOSED,
    }[stage]
    return event, None, {"reason": reason}


def add_workshop(state: ProjectState, session: WorkshopSession) -> Change:
    workshop_id = f"w{len(state.workshops) + 1}"
    state.workshops.append(
        WorkshopState(
            id=workshop_id,
            title=session.title,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            place=session.place,
        )
    )
    return (
        EventType.WORKSHOP_SCHEDULED,
        None,
        {"workshop_id": workshop_id, "starts_at": session.starts_at.isoformat()},
    )


def record_attendance(state: ProjectState, attendance: Attendance, now: datetime) -> Change:
    workshop = state.workshop(attendance.workshop_id)
    assert workshop is not None
    workshop.attendance, workshop.feedback, workshop.recorded_at = (
        attendance.attendance,
        attendance.feedback,
        now,
    )
    return (
        EventType.ATTENDANCE_RECORDED,
        None,
        {"workshop_id": workshop.id, "attendance": attendance.attendance},
    )


def cancel_workshop(state: ProjectState, cancellation: WorkshopCancellation, now: datetime) -> Change:
    workshop = state.workshop(cancellation.workshop_id)
    assert workshop is not None
    workshop.cancelled_at, workshop.cancel_reason = now, cancellation.reason
    return EventType.WORKSHOP_CANCELLED, None, {"workshop_id": workshop.id, "reason": cancellation.reason}


def set_display(state: ProjectState, plan: DisplayPlan) -> Change:
    """Set or move the display dates; moving the closing date later counts as an extension."""
    previous = state.display
    extended = previous is not None and plan.closes_at > previous.closes_at
    state.display = DisplayState(
        title=plan.title,
        location=plan.location,
        opens_at=plan.opens_at,
        closes_at=plan.closes_at,
        opened=previous.opened if previous else False,
        extensions=(previous.extensions if previous else 0) + (1 if extended else 0),
    )
    return (
        EventType.DISPLAY_SET,
        None,
        {
            "opens_at": plan.opens_at.isoformat(),
            "closes_at": plan.closes_at.isoformat(),
            "extended": extended,
        },
    )


def pause(state: ProjectState, reason: str, now: datetime) -> Change:
    state.paused_at = now
    return EventType.PROJECT_PAUSED, None, {"reason": reason}


def resume(state: ProjectState, now: datetime) -> Change:
    """Shift the current stage's outstanding due dates by the paused time: a pause costs no one days."""
    assert state.paused_at is not None
    held = now - state.paused_at
    state.paused_at = None
    state.paused_seconds += held.total_seconds()
    for m in state.stage_milestones():
        if m.status in OUTSTANDING and m.due_at is not None:
            m.due_at = m.due_at + held
    return EventType.PROJECT_RESUMED, None, {"paused_seconds": round(held.total_seconds())}


def paused_for(state: ProjectState, now: datetime) -> timedelta:
    return (now - state.paused_at) if state.paused_at else timedelta(0)
