"""Shared builders for the domain unit tests: shipped templates, actors, payloads and project states.

States are built with the real transitions (`new_project`, `open_stage`, `apply_submission`, ...),
never by hand, so a test sees exactly what ProjectWorkflow would hold. Times are fixed UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import transitions
from domain.lifecycle import LifecycleTemplate, Party, Stage
from domain.state import ProjectInput, ProjectState
from domain.submissions import (
    Actor,
    Decision,
    DisplayPlan,
    MilestoneSubmission,
    Person,
    ReviewDecision,
    WorkshopSession,
)
from domain.templates import TemplateCatalog

CATALOG = TemplateCatalog.load_shipped()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEAD = Person(name="Morgan Lead", email="morgan.lead@museum.example")
PARTNER_ID = "partner-docks"
PARTNER = Actor(party=Party.PARTNER, partner_id=PARTNER_ID, label="Docks Heritage Group")
STRANGER = Actor(party=Party.PARTNER, partner_id="partner-elsewhere", label="Someone else")
STAFF = Actor(party=Party.STAFF, label="Curator")


def days(n: float) -> timedelta:
    return timedelta(days=n)


STEP = timedelta(days=10)


def template(name: str = "co-curation") -> LifecycleTemplate:
    found = CATALOG.latest(name)
    assert found is not None, name
    return found


def new_state(tpl: LifecycleTemplate | None = None, *, created_at: datetime = T0) -> ProjectState:
    """A project as `new_project` creates it: nothing opened yet."""
    return transitions.new_project(
        ProjectInput(
            project_id="project-1",
            template=tpl or template(),
            title="Voices of the Docks",
            summary="Dockworkers' families co-curate a display.",
            lead=LEAD,
            partner_ids=(PARTNER_ID,),
            follow_up_schedule=(),
            created_at=created_at,
        )
    )


def started(tpl: LifecycleTemplate | None = None, *, at: datetime = T0) -> ProjectState:
    """A new project whose proposal stage opened at `at`."""
    tpl = tpl or template()
    state = new_state(tpl, created_at=at)
    transitions.open_stage(tpl, state, Stage.PROPOSAL, at)
    return state


def submission(key: str, actor: Actor = PARTNER, summary: str = "Here it is.") -> MilestoneSubmission:
    return MilestoneSubmission(milestone_key=key, actor=actor, summary=summary)


def review(key: str, decision: Decision = Decision.ACCEPT, note: str = "", actor: Actor = STAFF) -> ReviewDecision:
    return ReviewDecision(milestone_key=key, decision=decision, note=note, actor=actor)


def session(starts_at: datetime, title: str = "Object handling") -> WorkshopSession:
    return WorkshopSession(title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), place="Room 2")


def plan(opens_at: datetime, closes_at: datetime) -> DisplayPlan:
    return DisplayPlan(title="Voices of the Docks", location="Gallery 4", opens_at=opens_at, closes_at=closes_at)


def submit(state: ProjectState, key: str, now: datetime) -> None:
    """Submit `key` as its own submitter would."""
    milestone = state.milestone(key)
    assert milestone is not None, key
    actor = PARTNER if milestone.submitter is Party.PARTNER else STAFF
    transitions.apply_submission(state, submission(key, actor), now)


def meet_stage(state: ProjectState, now: datetime) -> None:
    """Submit every milestone of the current stage, and accept those that need review."""
    for milestone in state.stage_milestones():
        submit(state, milestone.key, now)
        if milestone.review_required:
            transitions.apply_review(state, review(milestone.key), now)


def at_stage(tpl: LifecycleTemplate, stage: Stage, *, at: datetime = T0, step: timedelta = STEP) -> ProjectState:
    """A project walked from proposal to `stage`, meeting each stage and opening the next `step` later.

    The stage `stage` opens at exactly `at`; earlier stages are placed before it.
    """
    order = [s.stage for s in tpl.stages]
    walked = order[: order.index(stage)]
    now = at - step * len(walked)
    state = started(tpl, at=now)
    for _ in walked:
        meet_stage(state, now)
        transitions.close_stage(state, now + step)
        now += step
        transitions.open_stage(tpl, state, transitions.following_stage(tpl, state.stage), now)
    assert state.stage is stage and state.stages[-1].opened_at == at
    return state
