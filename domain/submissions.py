"""What partners and staff send to a project: the payloads of ProjectWorkflow's updates.

Each model is the wire contract of one Update. Field limits live here so the API's 422 and the
workflow validator agree; whether the input is *in turn* is a rule over state (domain.rules).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.actors import Actor as Actor
from domain.outcome_ratings import Levels


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldRuleError(ValueError):
    """A rule across fields, broken: names the field a person should change (a model-level
    validator has no field of its own, so the API would otherwise name the whole body)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def require_after(earlier: datetime, later: datetime, earlier_name: str, later_name: str) -> None:
    """The one rule for a period's ends (sessions, displays): the API's schemas reuse it."""
    if later <= earlier:
        raise FieldRuleError(later_name, f"{later_name} must be after {earlier_name}")


class Person(Contract):
    name: str = Field(min_length=1, max_length=200, description="The person's name, as e-mails address them.")
    email: str = Field(
        min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Their e-mail address."
    )


class MilestoneSubmission(Contract):
    milestone_key: str
    actor: Actor
    summary: str = Field(min_length=1, max_length=10_000)
    links: tuple[str, ...] = Field(default=(), max_length=20)
    cost: float | None = Field(default=None, ge=0, le=1_000_000, description="Money spent, e.g. travel (GBP).")
    #: Issue 12: staff submitting a partner's milestone for that partner (it came by e-mail). The
    #: actor stays staff; this names the partner organisation the submission comes from.
    on_behalf_of: str | None = Field(default=None, min_length=1, max_length=64)
    #: Issue 16: outcome key -> level 1-5, only on a milestone whose template `rates_outcomes`
    #: (domain.rules refuses them elsewhere). Empty in every history recorded before it.
    outcome_ratings: Levels = Field(default_factory=dict)


class Decision(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"
    DECLINE = "decline"


class ReviewDecision(Contract):
    milestone_key: str
    decision: Decision
    note: str = Field(default="", max_length=5000)
    actor: Actor


class WorkshopSession(Contract):
    title: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str = Field(min_length=1, max_length=300)
    #: Who asks (issue 13): the workflow lets only staff do this. Optional on the wire only so that
    #: histories recorded before it decode; a new request without it is refused (domain.rules).
    actor: Actor | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        require_after(self.starts_at, self.ends_at, "starts_at", "ends_at")
        return self


class Attendance(Contract):
    workshop_id: str
    attendance: int = Field(ge=0, le=100_000)
    feedback: str = Field(default="", max_length=10_000)
    actor: Actor


class WorkshopCancellation(Contract):
    """Staff call a session off (issue 12): it needs no attendance, and the stage need not wait for it."""

    workshop_id: str
    reason: str = Field(min_length=1, max_length=2000)
    actor: Actor


class DisplayPlan(Contract):
    title: str = Field(min_length=1, max_length=200)
    location: str = Field(min_length=1, max_length=300)
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    #: Who asks (issue 13): the workflow lets only staff do this. Optional on the wire only so that
    #: histories recorded before it decode; a new request without it is refused (domain.rules).
    actor: Actor | None = None

    @model_validator(mode="after")
    def _closes_after_opening(self) -> Self:
        require_after(self.opens_at, self.closes_at, "opens_at", "closes_at")
        return self


class StaffAction(Contract):
    """Pause, resume, withdraw, close: a staff decision with an optional reason."""

    actor: Actor
    reason: str = Field(default="", max_length=2000)


def aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None
