"""Domain events: what happened to a project, as recorded in the append-only event log.

The workflow numbers them (`seq`, gap-free per project) so the activity can write each exactly
once (`event_id` is the idempotency key) and e-mails can be keyed by event and recipient.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.lifecycle import Audience, Stage
from domain.state import ProjectState

JsonScalar = str | int | float | bool | None


class EventType(StrEnum):
    PROJECT_CREATED = "project_created"
    STAGE_OPENED = "stage_opened"
    STAGE_CLOSED = "stage_closed"
    MILESTONE_SUBMITTED = "milestone_submitted"
    MILESTONE_ACCEPTED = "milestone_accepted"
    MILESTONE_RETURNED = "milestone_returned"
    MILESTONE_REMINDER = "milestone_reminder"
    MILESTONE_OVERDUE = "milestone_overdue"
    MILESTONE_ESCALATED = "milestone_escalated"
    MILESTONE_LAPSED = "milestone_lapsed"
    WORKSHOP_SCHEDULED = "workshop_scheduled"
    WORKSHOP_REMINDER = "workshop_reminder"
    ATTENDANCE_RECORDED = "attendance_recorded"
    WORKSHOP_CANCELLED = "workshop_cancelled"
    DISPLAY_SET = "display_set"
    DISPLAY_OPENED = "display_opened"
    DISPLAY_CLOSED = "display_closed"
    PROJECT_PAUSED = "project_paused"
    PROJECT_RESUMED = "project_resumed"
    PROJECT_DECLINED = "project_declined"
    PROJECT_WITHDRAWN = "project_withdrawn"
    PROJECT_CLOSED = "project_closed"
    FOLLOW_UP_STARTED = "follow_up_started"
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled"
    PLACEMENT_RESCHEDULED = "placement_rescheduled"
    #: Issue 14: the lead was erased; the state now holds a placeholder (the event names no one).
    LEAD_FORGOTTEN = "lead_forgotten"
    #: Issue 15: staff edited the title, summary, lead or partners (domain.project_edits).
    PROJECT_EDITED = "project_edited"


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    project_id: str
    seq: int = Field(ge=1)
    type: EventType
    occurred_at: datetime
    stage: Stage
    actor: str = Field(default="system", description="A label, never an e-mail address.")
    milestone_key: str | None = None
    detail: dict[str, JsonScalar] = Field(default_factory=dict)

    @property
    def event_id(self) -> str:
        return f"{self.project_id}:{self.seq}"


class RecordedEvent(BaseModel):
    """One event and the audiences to e-mail about it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: DomainEvent
    notify: tuple[Audience, ...] = ()


class ProjectChanges(BaseModel):
    """Input of the `record_project_changes` activity: events in order, and the state after the last.

    Batching every change made since the last record into one activity keeps a burst of input to
    one project at one activity, and the snapshot's `event_seq` lets the upsert refuse to move the
    read model backwards when an older batch is retried late.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: tuple[RecordedEvent, ...] = Field(min_length=1)
    snapshot: ProjectState


class RecordResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    events_written: int = 0
    emails_queued: int = 0
    deliver: bool = Field(default=False, description="True when e-mails await SMTP delivery.")


class EmailDelivery(BaseModel):
    """Input of the `deliver_emails` activity: send what the outbox holds for these events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_ids: tuple[str, ...] = Field(min_length=1)
