"""Lifecycle templates: a project's process as data.

`ProjectWorkflow` interprets a `LifecycleTemplate`; it hard-codes no process. A template is
validated when loaded (an invalid one is refused with the field named) and carries a version;
a project pins the whole template it started with, so a new version never disturbs a project
in flight.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.actors import Party as Party
from domain.durations import IsoDuration
from domain.follow_up import FollowUpPolicy


class Stage(StrEnum):
    PROPOSAL = "proposal"
    PARTNERSHIP = "partnership"
    WORKSHOPS = "workshops"
    DISPLAY = "display"
    EVALUATION = "evaluation"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"


#: The order every template's stages follow; a template may skip any of them.
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.PROPOSAL,
    Stage.PARTNERSHIP,
    Stage.WORKSHOPS,
    Stage.DISPLAY,
    Stage.EVALUATION,
    Stage.FOLLOW_UP,
)
TERMINAL_STAGES: frozenset[Stage] = frozenset({Stage.CLOSED, Stage.WITHDRAWN, Stage.DECLINED})


def stage_label(stage: Stage) -> str:
    """A stage's name for people when no template names it (the terminal ones): "Follow up", "Closed"."""
    return stage.value.replace("_", " ").capitalize()


class Audience(StrEnum):
    """Who an e-mail goes to; activities resolve the addresses, the workflow never sees them."""

    PARTNERS = "partners"
    LEAD = "lead"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReminderPolicy(Frozen):
    """When to nudge the submitter about a milestone's due date."""

    remind_before: tuple[IsoDuration, ...] = Field(
        default=(), description="Reminders this long before the due date, e.g. ['P7D', 'P1D']."
    )
    overdue_notice: bool = Field(default=True, description="Send a notice when the due date passes.")
    escalate_after: IsoDuration | None = Field(
        default=None, description="Tell the project lead when still outstanding this long after due."
    )


class MilestoneTemplate(Frozen):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    submitter: Party
    review_required: bool = True
    due: IsoDuration = Field(description="Due this long after the stage opens (ISO 8601 duration).")
    reminders: ReminderPolicy = ReminderPolicy()
    required: bool = True
    rates_outcomes: bool = Field(
        default=False,
        description="The submission rates the project's outcomes (1-5): the evaluation reflections (issue 16).",
    )


class StageTemplate(Frozen):
    stage: Stage
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    milestones: tuple[MilestoneTemplate, ...] = ()
    min_sessions: int = Field(
        default=0, ge=0, description="Workshops: sessions that must have attendance recorded before the gate."
    )
    session_reminder: IsoDuration | None = Field(
        default=None, description="Workshops: remind partners this long before each session."
    )
    closes_with_display: bool = Field(
        default=False, description="Display: the stage closes by itself on the display's closing date."
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.stage in TERMINAL_STAGES:
            raise ValueError(f"stage {self.stage.value!r} is terminal and cannot be part of a template")
        keys = [m.key for m in self.milestones]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate milestone keys in stage {self.stage.value!r}: {duplicates}")
        if (self.min_sessions or self.session_reminder) and self.stage is not Stage.WORKSHOPS:
            raise ValueError("min_sessions and session_reminder belong to the workshops stage")
        if self.closes_with_display and self.stage is not Stage.DISPLAY:
            raise ValueError("closes_with_display belongs to the display stage")
        return self


class LifecycleTemplate(Frozen):
    """A versioned process. Invariant: stages appear in `STAGE_ORDER`, once each, ending in follow_up."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    version: int = Field(ge=1)
    kind: str = Field(min_length=1, max_length=64, description="What sort of work: display, research, ...")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    stages: tuple[StageTemplate, ...] = Field(min_length=1)
    follow_up_schedule: tuple[IsoDuration, ...] = Field(
        default=(), description="Default survey offsets after evaluation, e.g. ['P3M', 'P6M', 'P12M']."
    )
    notify: dict[str, tuple[Audience, ...]] = Field(
        default_factory=dict, description="Which domain events e-mail whom, by event type."
    )
    follow_up: FollowUpPolicy = Field(
        default_factory=FollowUpPolicy, description="Survey instrument, reminders and window of the follow-up waves."
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        order = [s.stage for s in self.stages]
        if len(set(order)) != len(order):
            raise ValueError("a stage appears twice in 'stages'")
        if order != sorted(order, key=STAGE_ORDER.index):
            raise ValueError(f"'stages' must follow {[s.value for s in STAGE_ORDER]}")
        if order[0] is not Stage.PROPOSAL:
            raise ValueError("'stages' must start with proposal")
        if order[-1] is not Stage.FOLLOW_UP:
            raise ValueError("'stages' must end with follow_up")
        keys = [m.key for s in self.stages for m in s.milestones]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"milestone keys must be unique across stages: {duplicates}")
        return self

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def stage(self, stage: Stage) -> StageTemplate | None:
        return next((s for s in self.stages if s.stage is stage), None)

    def stage_title(self, stage: Stage) -> str:
        """What this template calls the stage (a placement's proposal is "Planning"): badges show this,
        never the key, so people read the process they were told about (issue 12)."""
        found = self.stage(stage)
        return found.title if found is not None else stage_label(stage)

    def next_stage(self, stage: Stage) -> Stage | None:
        order = [s.stage for s in self.stages]
        index = order.index(stage)
        return order[index + 1] if index + 1 < len(order) else None

    def milestone(self, key: str) -> tuple[StageTemplate, MilestoneTemplate] | None:
        for stage in self.stages:
            for milestone in stage.milestones:
                if milestone.key == key:
                    return stage, milestone
        return None
