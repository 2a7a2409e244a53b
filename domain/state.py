"""ProjectWorkflow's whole durable state, as one model.

One model so that a query returns it, an activity snapshots it into the read model, and
continue-as-new carries it across runs in one line.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.durations import IsoDuration
from domain.lifecycle import LifecycleTemplate, Party, Stage
from domain.outcome_ratings import Levels
from domain.submissions import Actor, Decision, Person


class MilestoneStatus(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    LAPSED = "lapsed"
    #: The proposal staff declined: the project ended there (issue 12; `returned` before it).
    DECLINED = "declined"
    #: An optional milestone nobody did before its stage closed (issue 12; `pending` before it).
    SKIPPED = "skipped"


#: Statuses in which the submitter still owes something (reminders and overdue apply).
OUTSTANDING: frozenset[MilestoneStatus] = frozenset({MilestoneStatus.PENDING, MilestoneStatus.RETURNED})


class Mutable(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class SubmissionRecord(Mutable):
    number: int
    actor: Actor
    summary: str
    links: tuple[str, ...] = ()
    cost: float | None = None
    submitted_at: datetime
    #: The partner a staff member submitted this for (issue 12), or None when the actor submitted it.
    on_behalf_of: str | None = None
    decision: Decision | None = None
    note: str = ""
    reviewed_at: datetime | None = None
    reviewer: Actor | None = None
    #: Outcome key -> level this submission rated (issue 16; only a `rates_outcomes` milestone's).
    outcome_ratings: dict[str, int] = Field(default_factory=dict)


class MilestoneState(Mutable):
    key: str
    stage: Stage
    title: str
    submitter: Party
    review_required: bool
    required: bool
    #: Its template asks for outcome ratings (issue 16). False in states from before it.
    rates_outcomes: bool = False
    status: MilestoneStatus = MilestoneStatus.PENDING
    due_at: datetime | None = None
    reminders_sent: list[str] = Field(default_factory=list)
    overdue_notified: bool = False
    escalated: bool = False
    submissions: list[SubmissionRecord] = Field(default_factory=list)

    def is_overdue(self, now: datetime) -> bool:
        return self.status in OUTSTANDING and self.due_at is not None and self.due_at <= now

    def is_met(self) -> bool:
        """Counts toward the gate: accepted, or submitted where no review is needed."""
        return self.status is MilestoneStatus.ACCEPTED or (
            self.status is MilestoneStatus.SUBMITTED and not self.review_required
        )


class WorkshopState(Mutable):
    id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    attendance: int | None = None
    feedback: str = ""
    recorded_at: datetime | None = None
    reminder_sent: bool = False
    #: Staff cancelled the session (issue 12): it needs no attendance and no longer holds the stage open.
    cancelled_at: datetime | None = None
    cancel_reason: str = ""

    def awaits_attendance(self) -> bool:
        """Scheduled and not cancelled, with no attendance recorded yet."""
        return self.attendance is None and self.cancelled_at is None


class DisplayState(Mutable):
    title: str
    location: str
    opens_at: datetime
    closes_at: datetime
    opened: bool = False
    extensions: int = 0


class StageRecord(Mutable):
    stage: Stage
    opened_at: datetime
    closed_at: datetime | None = None


class ProjectState(Mutable):
    project_id: str
    template_name: str
    template_version: int
    kind: str
    title: str
    summary: str
    lead: Person
    partner_ids: list[str]
    timezone: str
    follow_up_schedule: list[IsoDuration]
    created_at: datetime
    updated_at: datetime
    stage: Stage = Stage.PROPOSAL
    stages: list[StageRecord] = Field(default_factory=list)
    milestones: list[MilestoneState] = Field(default_factory=list)
    workshops: list[WorkshopState] = Field(default_factory=list)
    display: DisplayState | None = None
    paused_at: datetime | None = None
    paused_seconds: float = 0.0
    ended_reason: str = ""
    event_seq: int = 0
    #: What staff aim at (issue 16): outcome key of the framework -> hoped-for level 1-5.
    intended_outcomes: dict[str, int] = Field(default_factory=dict)

    def milestone(self, key: str) -> MilestoneState | None:
        return next((m for m in self.milestones if m.key == key), None)

    def stage_milestones(self, stage: Stage | None = None) -> list[MilestoneState]:
        wanted = stage or self.stage
        return [m for m in self.milestones if m.stage is wanted]

    def workshop(self, workshop_id: str) -> WorkshopState | None:
        return next((w for w in self.workshops if w.id == workshop_id), None)

    def next_due_at(self) -> datetime | None:
        dues = [m.due_at for m in self.stage_milestones() if m.status in OUTSTANDING and m.due_at]
        return min(dues) if dues else None


class ProjectInput(BaseModel):
    """Start input of ProjectWorkflow. The whole template is pinned here, so history carries it.

    `carried_state` is set only by continue-as-new; `max_history_events` bounds a run's history
    (Temporal also suggests continue-as-new by itself; tests lower this to force it).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_id: str
    template: LifecycleTemplate
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(default="", max_length=5000)
    lead: Person
    partner_ids: tuple[str, ...]
    follow_up_schedule: tuple[IsoDuration, ...]
    timezone: str = "Europe/London"
    created_at: AwareDatetime
    carried_state: ProjectState | None = None
    max_history_events: int = Field(default=10_000, ge=50)
    #: Who started it (issue 14: the audit trail): the timeline's `project_created` names them. None in
    #: histories from before it travelled, and for a placement its programme starts (Engage: "system").
    created_by: Actor | None = None
    #: Issue 16: outcome key -> level staff aim at; empty in histories from before it (and by default).
    intended_outcomes: Levels = Field(default_factory=dict)
