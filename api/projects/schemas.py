"""Projects: what staff send to start a project, and what everyone reads of one. What partners and
staff send to move and review it is in `api.projects.input_schemas`.

Field limits are the domain's (see api.schemas), so a request that passes here is never refused by a
domain model later; rules about *state* stay in the workflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas import FollowUpSchedule, PartnerId, Request, known_timezone, unique
from domain.lifecycle import Party, Stage
from domain.outcome_ratings import Levels
from domain.state import MilestoneStatus
from domain.submissions import (
    Actor,
    Decision,
    Person,
)

# -- templates ---------------------------------------------------------------------------------


class TemplateSummary(BaseModel):
    name: str
    version: int
    kind: str
    title: str
    description: str
    stages: list[Stage]


# -- projects ----------------------------------------------------------------------------------


class ProjectCreate(Request):
    template: str = Field(min_length=1, max_length=64, description="A template name; its latest version is pinned.")
    title: str = Field(min_length=1, max_length=200, description="The project's title, as partners see it.")
    summary: str = Field(default="", max_length=5000, description="What the project is about, in a few sentences.")
    lead: Person = Field(description="The museum's lead for the project: receives its staff e-mails.")
    partner_ids: Annotated[list[PartnerId], AfterValidator(unique)] = Field(
        default_factory=list, max_length=50, description="Ids of the partner organisations taking part."
    )
    follow_up_schedule: FollowUpSchedule | None = Field(
        default=None,
        max_length=12,
        description="ISO 8601 durations after evaluation, strictly increasing; the template's when absent.",
    )
    timezone: Annotated[str, AfterValidator(known_timezone)] = Field(
        default="Europe/London",
        max_length=64,
        description="IANA time zone of the project: dates in e-mails, and times sent without an offset.",
    )
    intended_outcomes: Levels = Field(
        default_factory=dict,
        description="What the project aims to change: outcome key of its framework -> hoped-for level, 1 (not at "
        "all) to 5 (fully). Optional; outcomes not named are not aims.",
    )


class SubmissionPublic(BaseModel):
    number: int
    actor: Actor
    summary: str
    links: list[str]
    cost: float | None = None
    submitted_at: datetime
    decision: Decision | None
    note: str
    reviewed_at: datetime | None
    reviewer: Actor | None
    on_behalf_of: str | None = Field(
        default=None, description="The partner a staff member submitted this for (the partner sent it in)."
    )
    outcome_ratings: dict[str, int] = Field(
        default_factory=dict, description="An evaluation reflection's levels per outcome key, 1-5 (issue 16)."
    )


class MilestonePublic(BaseModel):
    key: str
    stage: Stage
    title: str
    submitter: Party
    status: MilestoneStatus
    review_required: bool
    required: bool
    rates_outcomes: bool = Field(default=False, description="Its submission may rate the project's outcomes (1-5).")
    due_at: datetime | None
    overdue: bool
    submissions: list[SubmissionPublic]


class StagePublic(BaseModel):
    stage: Stage
    opened_at: datetime
    closed_at: datetime | None


class WorkshopPublic(BaseModel):
    id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    attendance: int | None
    feedback: str
    recorded_at: datetime | None
    cancelled_at: datetime | None = Field(default=None, description="When staff cancelled the session, if they did.")
    cancel_reason: str = Field(default="", description="Why staff cancelled the session.")


class DisplayPublic(BaseModel):
    title: str
    location: str
    opens_at: datetime
    closes_at: datetime
    opened: bool
    extensions: int


class ActionPublic(BaseModel):
    """Something the caller may do now, and the request that does it."""

    action: str
    method: Literal["GET", "POST", "PUT", "DELETE"]
    href: str
    milestone_key: str | None = None
    workshop_id: str | None = None


class ProjectPublic(BaseModel):
    """A project's live state. `milestones` groups every stage's milestones by stage, in template order."""

    id: str
    title: str
    summary: str
    template: str
    template_version: int
    kind: str
    stage: Stage
    stage_title: str = Field(description="The stage as the project's template names it, e.g. 'Planning'.")
    paused: bool
    paused_at: datetime | None
    partners: list[str] = Field(description="Ids of the partner organisations taking part.")
    partner_ids: list[str]
    lead: Person
    timezone: str
    follow_up_schedule: list[str]
    intended_outcomes: dict[str, int] = Field(
        default_factory=dict, description="What staff aim at: outcome key -> hoped-for level 1-5 (issue 16)."
    )
    created_at: datetime
    updated_at: datetime
    ended_reason: str
    stages: list[StagePublic]
    milestones: dict[str, list[MilestonePublic]]
    workshops: list[WorkshopPublic]
    display: DisplayPublic | None
    actions: list[ActionPublic]
    live: bool = Field(
        default=True,
        description="True when read from the running workflow. False: the last state recorded in the read model, "
        "because the workflow has ended and Temporal no longer keeps it, or it cannot answer (it is stuck: its "
        "tasks keep failing); then `actions` is empty and input is answered 503 with error `stuck`.",
    )
    live_reason: str | None = Field(default=None, description="Why the state is not live, in a person's words.")


class ProjectSummary(BaseModel):
    id: str
    title: str
    template: str
    template_version: int
    kind: str
    stage: Stage
    stage_title: str = Field(description="The stage as the project's template names it, e.g. 'Planning'.")
    paused: bool
    partners: list[str]
    next_due_at: datetime | None
    overdue: bool
    created_at: datetime
    updated_at: datetime


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    type: str
    occurred_at: datetime
    stage: str
    actor: str = Field(description="The label recorded with the event (a key's label, or partner/staff/system).")
    actor_name: str = Field(
        default="", description="Who acted, in words: the partner organisation's name, the staff member, or Engage."
    )
    milestone_key: str | None
    detail: dict[str, str | int | float | bool | None]


class OutboxEmailPublic(BaseModel):
    id: int
    project_id: str | None = Field(description="Null for a programme's e-mail (e.g. to an applicant).")
    event_id: str
    audience: str
    kind: str = Field(default="project", description="project, survey, exchange or account (issue 15).")
    to: str
    to_name: str
    subject: str
    body: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
