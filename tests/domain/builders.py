"""Shared builders for the domain unit tests: shipped templates, actors, payloads, project and exchange states.

States are built with the real transitions (`new_project`, `open_stage`, `apply_submission`, ...),
never by hand, so a test sees exactly what ProjectWorkflow would hold. Times are fixed UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from domain import exchange_rules, transitions
from domain.exchange import (
    MUSEUM,
    ApplicationReceived,
    ExchangeInput,
    ExchangeState,
    PartnerConfirmation,
    Phase,
    PlacementWindow,
    ProgrammeWindow,
    SelectionDecision,
)
from domain.lifecycle import LifecycleTemplate, Party, Stage
from domain.rules import Refusal, RefusalKind
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


def refused(check: Callable[[], None]) -> tuple[RefusalKind, str]:
    """The (kind, field) of the Refusal `check` raises; fails the test if it does not refuse."""
    with pytest.raises(Refusal) as raised:
        check()
    assert raised.value.reason == str(raised.value)
    return raised.value.kind, raised.value.field


# Knowledge Exchange programmes: the 2027 cohort with three partners, built with the real rules.
KX_PARTNERS = ("docks", "mill", "quay")
KX_CREATED = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
KX_CONFIRM_BY = datetime(2027, 1, 22, 9, 0, tzinfo=UTC)
KX_WINDOW = PlacementWindow(starts_on=date(2027, 4, 5), ends_on=date(2027, 9, 30))  # Monday .. Thursday


def for_partner(partner_id: str) -> Actor:
    return Actor(party=Party.PARTNER, partner_id=partner_id, label=partner_id.title())


def exchange_input(partner_ids: tuple[str, ...] = KX_PARTNERS) -> ExchangeInput:
    return ExchangeInput(
        year=2027,
        partner_ids=partner_ids,
        confirm_by=KX_CONFIRM_BY,
        applications=ProgrammeWindow(
            opens_at=datetime(2027, 2, 1, 9, 0, tzinfo=UTC), closes_at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
        ),
        placements=KX_WINDOW,
        lead=LEAD,
        placement_template=template("knowledge-exchange-placement"),
        created_at=KX_CREATED,
    )


def programme(confirmed: tuple[str, ...] = ()) -> ExchangeState:
    """A new programme in which `confirmed` partners have confirmed (a day after it started)."""
    state = exchange_rules.new_programme(exchange_input())
    for partner_id in confirmed:
        exchange_rules.confirm(
            state, PartnerConfirmation(partner_id=partner_id, actor=for_partner(partner_id)), KX_CREATED + days(1)
        )
    return state


def outgoing(partner_id: str) -> str:
    """The application id of `partner_id`'s own applicant (the colleague it would send)."""
    return f"app-{partner_id}"


def hosted(partner_id: str) -> str:
    """The application id of the museum colleague `partner_id` would host."""
    return f"app-museum-for-{partner_id}"


def selecting(confirmed: tuple[str, ...] = KX_PARTNERS) -> ExchangeState:
    """Applications closed (as ExchangeProgrammeWorkflow moves the phase), with one applicant from
    every partner and one museum applicant per partner, all shortlisted; nobody selected yet."""
    state = programme(confirmed)
    for partner_id in KX_PARTNERS:
        exchange_rules.note_application(
            state, ApplicationReceived(application_id=outgoing(partner_id), organisation=partner_id)
        )
        exchange_rules.note_application(
            state, ApplicationReceived(application_id=hosted(partner_id), organisation=MUSEUM)
        )
    state.phase = Phase.SELECTION
    state.shortlisted.extend(state.applications)
    return state


def selected(partners: tuple[str, ...] = KX_PARTNERS, confirmed: tuple[str, ...] = KX_PARTNERS) -> ExchangeState:
    """`selecting(confirmed)` after each of `partners` picked its outgoing applicant and its hosted museum colleague."""
    state = selecting(confirmed)
    for partner_id in partners:
        exchange_rules.select(
            state,
            SelectionDecision(
                partner_id=partner_id,
                outgoing_application_id=outgoing(partner_id),
                outgoing_organisation=partner_id,
                hosted_application_id=hosted(partner_id),
                hosted_organisation=MUSEUM,
                actor=for_partner(partner_id),
            ),
        )
    return state
