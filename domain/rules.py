"""Whether a party's input is acceptable now: pure checks over the pinned template and state.

ProjectWorkflow's update validators call these and turn a `Refusal` into an ApplicationError
whose type the API maps to a status (see `RefusalKind`). Nothing here mutates state, so the
same checks also tell the API which actions a caller may take now.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.follow_up import WAVE_DONE, FollowUpState, Reschedule
from domain.lifecycle import TERMINAL_STAGES, LifecycleTemplate, Party, Stage
from domain.outcome_ratings import milestone_rates_outcomes
from domain.state import OUTSTANDING, MilestoneStatus, ProjectState
from domain.submissions import (
    Actor,
    Attendance,
    Decision,
    DisplayPlan,
    MilestoneSubmission,
    ReviewDecision,
    WorkshopCancellation,
    WorkshopSession,
)


class RefusalKind(StrEnum):
    """Also the ApplicationError `type`: a wire name the API maps to an HTTP status."""

    INVALID = "InvalidSubmission"  # 422: the content is wrong
    OUT_OF_TURN = "OutOfTurn"  # 409: right content, wrong moment or already done
    ENDED = "ProjectEnded"  # 409: declined, withdrawn or closed
    WRONG_PARTY = "WrongParty"  # 403: this party may not do that
    UNKNOWN = "UnknownTarget"  # 404: no such milestone or workshop


class Refusal(Exception):
    def __init__(self, kind: RefusalKind, field: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.field = field
        self.reason = reason


class AvailableAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    milestone_key: str | None = None
    workshop_id: str | None = None


def check_not_ended(state: ProjectState) -> None:
    if state.stage in TERMINAL_STAGES:
        raise Refusal(RefusalKind.ENDED, "project", f"the project is {state.stage.value} and takes no more input")


def _check_staff(actor: Actor | None) -> None:
    """Staff only. A request that names nobody is refused too: the workflow checks who acts
    itself (issue 13), so an update sent straight to Temporal without an actor gets nowhere."""
    if actor is None:
        raise Refusal(RefusalKind.WRONG_PARTY, "actor", "the request does not say who is acting")
    if actor.party is not Party.STAFF:
        raise Refusal(RefusalKind.WRONG_PARTY, "actor", "only museum staff may do this")


def check_submission(template: LifecycleTemplate, state: ProjectState, submission: MilestoneSubmission) -> None:
    check_not_ended(state)
    key = submission.milestone_key
    milestone = state.milestone(key)
    if milestone is None:
        raise Refusal(RefusalKind.UNKNOWN, "milestone_key", f"this project has no milestone {key!r}")
    if submission.on_behalf_of is not None:
        _check_on_behalf(state, submission, milestone.submitter)
    elif submission.actor.party is not milestone.submitter:
        raise Refusal(RefusalKind.WRONG_PARTY, "milestone_key", f"{key!r} is submitted by {milestone.submitter.value}")
    if submission.actor.party is Party.PARTNER and submission.actor.partner_id not in state.partner_ids:
        raise Refusal(RefusalKind.WRONG_PARTY, "actor", "this partner is not part of the project")
    if milestone.stage is not state.stage:
        raise Refusal(
            RefusalKind.OUT_OF_TURN,
            "milestone_key",
            f"{key!r} belongs to the {milestone.stage.value} stage; the project is at {state.stage.value}",
        )
    if milestone.status not in OUTSTANDING:
        reasons = {
            MilestoneStatus.SUBMITTED: "has already been submitted"
            + (" and awaits review" if milestone.review_required else ""),
            MilestoneStatus.ACCEPTED: "has already been accepted",
            MilestoneStatus.LAPSED: "lapsed when its stage closed",
            MilestoneStatus.DECLINED: "was declined",
            MilestoneStatus.SKIPPED: "was skipped when its stage closed",
        }
        raise Refusal(RefusalKind.OUT_OF_TURN, "milestone_key", f"{key!r} {reasons[milestone.status]}")
    if submission.outcome_ratings and not milestone_rates_outcomes(template, key):
        reason = f"{key!r} does not rate outcomes: only the evaluation reflections do"
        raise Refusal(RefusalKind.INVALID, "outcome_ratings", reason)


def _check_on_behalf(state: ProjectState, submission: MilestoneSubmission, submitter: Party) -> None:
    """Staff may submit a partner's milestone for a partner of the project (issue 12), nobody else."""
    if submission.actor.party is not Party.STAFF:
        raise Refusal(RefusalKind.WRONG_PARTY, "on_behalf_of", "only museum staff may submit for a partner")
    if submitter is not Party.PARTNER:
        reason = f"{submission.milestone_key!r} is submitted by staff, not for a partner"
        raise Refusal(RefusalKind.INVALID, "on_behalf_of", reason)
    if submission.on_behalf_of not in state.partner_ids:
        raise Refusal(RefusalKind.INVALID, "on_behalf_of", "this partner is not part of the project")


def check_review(template: LifecycleTemplate, state: ProjectState, review: ReviewDecision) -> None:
    check_not_ended(state)
    _check_staff(review.actor)
    key = review.milestone_key
    milestone = state.milestone(key)
    if milestone is None:
        raise Refusal(RefusalKind.UNKNOWN, "milestone_key", f"this project has no milestone {key!r}")
    if not milestone.review_required:
        raise Refusal(RefusalKind.OUT_OF_TURN, "milestone_key", f"{key!r} does not need review")
    if milestone.stage is not state.stage or milestone.status is not MilestoneStatus.SUBMITTED:
        raise Refusal(RefusalKind.OUT_OF_TURN, "milestone_key", f"{key!r} has no submission awaiting review")
    if review.decision is Decision.DECLINE and state.stage is not Stage.PROPOSAL:
        raise Refusal(RefusalKind.OUT_OF_TURN, "decision", "a project can only be declined at the proposal stage")
    if review.decision is Decision.RETURN and not review.note.strip():
        raise Refusal(RefusalKind.INVALID, "note", "returning a milestone needs a note saying what to change")
    if review.decision is Decision.DECLINE and not review.note.strip():
        raise Refusal(RefusalKind.INVALID, "note", "declining a project needs a note the partner will read")


def check_workshop(
    template: LifecycleTemplate, state: ProjectState, session: WorkshopSession, actor: Actor | None
) -> None:
    check_not_ended(state)
    _check_staff(actor)
    if template.stage(Stage.WORKSHOPS) is None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "project", f"template {template.ref} has no workshops stage")
    if state.stage not in (Stage.PARTNERSHIP, Stage.WORKSHOPS):
        raise Refusal(
            RefusalKind.OUT_OF_TURN,
            "project",
            f"sessions are scheduled in partnership or workshops, not {state.stage}",
        )


def check_attendance(state: ProjectState, attendance: Attendance, now: datetime) -> None:
    check_not_ended(state)
    _check_staff(attendance.actor)
    workshop = state.workshop(attendance.workshop_id)
    if workshop is None:
        raise Refusal(RefusalKind.UNKNOWN, "workshop_id", f"this project has no workshop {attendance.workshop_id!r}")
    # 👉 Issue 12: attendance is never lost, so a held session is recorded in any stage until the end.
    if workshop.cancelled_at is not None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "workshop_id", "this session was cancelled")
    if now < workshop.starts_at:
        raise Refusal(RefusalKind.OUT_OF_TURN, "workshop_id", "the session has not started yet")
    if workshop.attendance is not None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "workshop_id", "attendance for this session is already recorded")


def check_cancel_workshop(state: ProjectState, cancellation: WorkshopCancellation) -> None:
    check_not_ended(state)
    _check_staff(cancellation.actor)
    workshop = state.workshop(cancellation.workshop_id)
    if workshop is None:
        raise Refusal(RefusalKind.UNKNOWN, "workshop_id", f"this project has no workshop {cancellation.workshop_id!r}")
    if workshop.cancelled_at is not None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "workshop_id", "this session is already cancelled")
    if workshop.attendance is not None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "workshop_id", "attendance is recorded: the session took place")


def check_display(template: LifecycleTemplate, state: ProjectState, plan: DisplayPlan, actor: Actor | None) -> None:
    check_not_ended(state)
    _check_staff(actor)
    if template.stage(Stage.DISPLAY) is None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "project", f"template {template.ref} has no display stage")
    allowed = (Stage.PARTNERSHIP, Stage.WORKSHOPS, Stage.DISPLAY)
    if state.stage not in allowed:
        raise Refusal(RefusalKind.OUT_OF_TURN, "project", f"the display can no longer change at {state.stage}")
    if state.display is not None and state.display.opened and plan.opens_at != state.display.opens_at:
        raise Refusal(RefusalKind.OUT_OF_TURN, "opens_at", "the display has already opened")


def check_pause(state: ProjectState, actor: Actor) -> None:
    check_not_ended(state)
    _check_staff(actor)
    if state.paused_at is not None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "project", "the project is already paused")


def check_resume(state: ProjectState, actor: Actor) -> None:
    check_not_ended(state)
    _check_staff(actor)
    if state.paused_at is None:
        raise Refusal(RefusalKind.OUT_OF_TURN, "project", "the project is not paused")


def check_withdraw(state: ProjectState, actor: Actor, reason: str) -> None:
    check_not_ended(state)
    _check_staff(actor)
    if not reason.strip():
        raise Refusal(RefusalKind.INVALID, "reason", "withdrawing a project needs a reason")


def check_close(state: ProjectState, actor: Actor) -> None:
    check_not_ended(state)
    _check_staff(actor)
    if state.stage is not Stage.FOLLOW_UP:
        raise Refusal(RefusalKind.OUT_OF_TURN, "project", "a project is closed from its follow_up stage")


def check_follow_up_schedule(state: ProjectState, change: Reschedule) -> None:
    check_not_ended(state)
    _check_staff(change.actor)
    if state.stage is Stage.FOLLOW_UP:
        raise Refusal(RefusalKind.OUT_OF_TURN, "offsets", "follow-up has started: reschedule its pending waves instead")
    if change.anchor_at is not None:
        raise Refusal(RefusalKind.INVALID, "anchor_at", "the end date is set when the project completes its evaluation")
    if not change.offsets:
        raise Refusal(RefusalKind.INVALID, "offsets", "give at least one offset, e.g. ['P3M', 'P6M']")


def check_reschedule(state: FollowUpState, change: Reschedule) -> None:
    """FollowUpWorkflow.reschedule: only waves not yet sent move, so something must be left to move."""
    _check_staff(change.actor)
    every_wave_closed = all(w.status in WAVE_DONE for w in state.waves)
    if state.finished or state.ended_early or (every_wave_closed and state.waves):
        raise Refusal(RefusalKind.OUT_OF_TURN, "offsets", "every wave has closed")
    if change.offsets is None and change.anchor_at is None:
        raise Refusal(RefusalKind.INVALID, "offsets", "give new offsets, a new end date (anchor_at), or both")
    if change.offsets is not None and not change.offsets and not state.pending():
        reason = "there are no waves left to reschedule; give at least one offset"
        raise Refusal(RefusalKind.INVALID, "offsets", reason)


def available_actions(
    template: LifecycleTemplate, state: ProjectState, actor: Actor, now: datetime
) -> list[AvailableAction]:
    """What `actor` could do right now: every check above, tried without side effects."""
    actions: list[AvailableAction] = []

    def attempt(check: object, action: AvailableAction) -> None:
        try:
            check()  # type: ignore[operator]
        except Refusal:
            return
        actions.append(action)

    for m in state.stage_milestones():
        probe = MilestoneSubmission(milestone_key=m.key, actor=actor, summary="-")
        attempt(
            lambda p=probe: check_submission(template, state, p),
            AvailableAction(action="submit", milestone_key=m.key),
        )
        review = ReviewDecision(milestone_key=m.key, decision=Decision.ACCEPT, actor=actor)
        attempt(
            lambda r=review: check_review(template, state, r),
            AvailableAction(action="review", milestone_key=m.key),
        )
    if actor.party is Party.STAFF and state.stage not in TERMINAL_STAGES:
        if template.stage(Stage.WORKSHOPS) and state.stage in (Stage.PARTNERSHIP, Stage.WORKSHOPS):
            actions.append(AvailableAction(action="schedule_workshop"))
        for w in state.workshops:
            probe_att = Attendance(workshop_id=w.id, attendance=0, actor=actor)
            attempt(
                lambda a=probe_att: check_attendance(state, a, now),
                AvailableAction(action="record_attendance", workshop_id=w.id),
            )
            probe_cancel = WorkshopCancellation(workshop_id=w.id, reason="-", actor=actor)
            attempt(
                lambda c=probe_cancel: check_cancel_workshop(state, c),
                AvailableAction(action="cancel_workshop", workshop_id=w.id),
            )
        if template.stage(Stage.DISPLAY) and state.stage in (
            Stage.PARTNERSHIP,
            Stage.WORKSHOPS,
            Stage.DISPLAY,
        ):
            actions.append(AvailableAction(action="set_display"))
        actions.append(AvailableAction(action="resume" if state.paused_at else "pause"))
        actions.append(AvailableAction(action="withdraw"))
        if state.stage is Stage.FOLLOW_UP:
            actions.append(AvailableAction(action="close"))
    return actions
