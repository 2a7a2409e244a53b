"""Projects: what partners and staff send to move and review a project (submissions, reviews, sessions,
attendance, the display, staff actions).

Field limits are the domain's (see api.schemas), so a request that passes here is never refused by a
domain model later; rules about *state* stay in the workflow. Split from `api.projects.schemas` (what
starts a project and what is read of it) by what it carries.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, HttpUrl, model_validator

from api.schemas import Moment, Request
from domain.outcome_ratings import Levels
from domain.submissions import (
    Actor,
    Attendance,
    Decision,
    DisplayPlan,
    WorkshopCancellation,
    WorkshopSession,
    require_after,
)


class SubmissionCreate(Request):
    summary: str = Field(min_length=1, max_length=10_000, description="What is submitted, in words.")
    links: list[Annotated[HttpUrl, Field(max_length=2000)]] = Field(
        default_factory=list, max_length=20, description="Web addresses of the evidence (documents, photos)."
    )
    cost: float | None = Field(
        default=None, ge=0, le=1_000_000, description="Money spent, e.g. travel or accommodation (GBP)."
    )
    on_behalf_of: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Staff only: the id of the partner this milestone comes from (they sent it by e-mail). "
        "Recorded as submitted by staff for that partner.",
    )
    outcome_ratings: Levels = Field(
        default_factory=dict,
        description="Evaluation reflections only (the milestone's `rates_outcomes`): outcome key of the project's "
        "framework -> level, 1 (not at all) to 5 (fully).",
    )


class ReviewCreate(Request):
    decision: Decision = Field(description="`accept`, `return` (to be resubmitted) or `decline`.")
    note: str = Field(default="", max_length=5000, description="What the submitter should know; required to return.")


class WorkshopCreate(Request):
    title: str = Field(min_length=1, max_length=200, description="What the session is called.")
    starts_at: Moment = Field(description="When it starts; without an offset, in the project's time zone.")
    ends_at: Moment = Field(description="When it ends, after it starts.")
    place: str = Field(min_length=1, max_length=300, description="Where it takes place.")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        require_after(self.starts_at, self.ends_at, "starts_at", "ends_at")
        return self

    def session(self, actor: Actor) -> WorkshopSession:
        return WorkshopSession(
            title=self.title, starts_at=self.starts_at, ends_at=self.ends_at, place=self.place, actor=actor
        )


class AttendanceCreate(Request):
    attendance: int = Field(ge=0, le=100_000, description="How many people came.")
    feedback: str = Field(default="", max_length=10_000, description="What participants said about the session.")

    def record(self, workshop_id: str, actor: Actor) -> Attendance:
        return Attendance(workshop_id=workshop_id, attendance=self.attendance, feedback=self.feedback, actor=actor)


class WorkshopCancel(Request):
    reason: str = Field(min_length=1, max_length=2000, description="Why the session is called off (partners read it).")

    def cancellation(self, workshop_id: str, actor: Actor) -> WorkshopCancellation:
        return WorkshopCancellation(workshop_id=workshop_id, reason=self.reason, actor=actor)


class DisplayUpdate(Request):
    title: str = Field(min_length=1, max_length=200, description="The display's title.")
    location: str = Field(min_length=1, max_length=300, description="Where in the museum it is shown.")
    opens_at: Moment = Field(description="When it opens; without an offset, in the project's time zone.")
    closes_at: Moment = Field(description="When it closes, after it opens; a later date extends it.")

    @model_validator(mode="after")
    def _closes_after_opening(self) -> Self:
        require_after(self.opens_at, self.closes_at, "opens_at", "closes_at")
        return self

    def plan(self, actor: Actor) -> DisplayPlan:
        return DisplayPlan(
            title=self.title, location=self.location, opens_at=self.opens_at, closes_at=self.closes_at, actor=actor
        )


class StaffActionCreate(Request):
    reason: str = Field(default="", max_length=2000, description="Why, for the timeline and the partners' e-mail.")
