"""The project page's view model: `api.views.project_public` plus what only a page needs.

The actions offered are exactly `ProjectPublic.actions`, i.e. `domain.rules.available_actions`,
the checks the workflow's validators run: a form is shown only when the workflow would take it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from fastapi import Request, status
from fastapi.responses import HTMLResponse, Response

from api import live_state
from api.access import may_see, sees_everything
from api.app_services import services_of
from api.errors import ApiError
from api.files.page_parts import evidence_of
from api.follow_up.page_view import follow_up_summary, offset_words
from api.pages.web import FormError, Viewer, as_api_error, not_found_page, render, unavailable_page
from api.partners import actor_names
from api.partners import service as partner_service
from api.partners.actor_names import ActorNames
from api.projects.outcome_forms import outcomes_of
from api.projects.schemas import MilestonePublic, ProjectPublic
from api.projects.views import project_public
from domain.lifecycle import STAGE_ORDER, TERMINAL_STAGES, LifecycleTemplate, Stage
from domain.state import ProjectState
from domain.templates import TemplateCatalog
from store.projects import reads as project_reads
from store.tables import Event

StepState = Literal["done", "current", "upcoming"]

#: Event details worth a line on the timeline, and how to introduce them.
TIMELINE_NOTES = {
    "note": "Note",
    "reason": "Reason",
    "attendance": "Attendance",
    # project_edited (issue 15): what changed, and the new title
    "fields": "Changed",
    "title": "New title",
    # issue 16: the aims after an edit, as outcome key=level
    "intended_outcomes": "Aims now",
}


@dataclass(frozen=True)
class StageStep:
    stage: Stage
    title: str
    state: StepState
    milestones: list[MilestonePublic]


@dataclass
class Offered:
    """The actions on offer, grouped by where their forms go on the page."""

    submit: set[str] = field(default_factory=set)
    review: set[str] = field(default_factory=set)
    attendance: set[str] = field(default_factory=set)
    cancel: set[str] = field(default_factory=set)
    project: set[str] = field(default_factory=set)

    @property
    def decisions(self) -> bool:
        """Any whole-project decision (pause, resume, withdraw, close) is on offer."""
        return bool(self.project & {"pause", "resume", "withdraw", "close"})

    @classmethod
    def of(cls, project: ProjectPublic) -> Offered:
        offered = cls()
        for action in project.actions:
            if action.action == "submit" and action.milestone_key:
                offered.submit.add(action.milestone_key)
            elif action.action == "review" and action.milestone_key:
                offered.review.add(action.milestone_key)
            elif action.action == "record_attendance" and action.workshop_id:
                offered.attendance.add(action.workshop_id)
            elif action.action == "cancel_workshop" and action.workshop_id:
                offered.cancel.add(action.workshop_id)
            else:
                offered.project.add(action.action)
        return offered


def stage_steps(template: LifecycleTemplate | None, state: ProjectState, project: ProjectPublic) -> list[StageStep]:
    """Every stage of the pinned template in order, marked done, current or upcoming."""
    specs = [(s.stage, s.title) for s in template.stages] if template else [(s, s.value) for s in STAGE_ORDER]
    closed = {record.stage for record in state.stages if record.closed_at is not None}
    steps: list[StageStep] = []
    for stage, title in specs:
        step: StepState = "done" if stage in closed else "current" if stage is state.stage else "upcoming"
        steps.append(StageStep(stage, title, step, project.milestones.get(stage.value, [])))
    return steps


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str
    actor: str
    notes: list[str]


def timeline(
    events: list[Event], state: ProjectState, template: LifecycleTemplate | None, names: ActorNames | None = None
) -> list[TimelineEntry]:
    """The event log as sentences, oldest first; keys of stages, milestones and workshops become titles,
    and the recorded actor label the name of who acted (api.partners.actor_names)."""
    names = names or ActorNames()
    milestones = {m.key: m.title for m in state.milestones}
    workshops = {w.id: w.title for w in state.workshops}
    stages = {s.stage.value: s.title for s in template.stages} if template else {}
    entries: list[TimelineEntry] = []
    for event in events:
        what = event.type.replace("_", " ").capitalize()
        workshop_id, stage = event.detail.get("workshop_id"), event.detail.get("stage")
        if event.milestone_key:
            what += f": {milestones.get(event.milestone_key, event.milestone_key)}"
        elif isinstance(workshop_id, str):
            what += f": {workshops.get(workshop_id, workshop_id)}"
        elif isinstance(stage, str):
            what += f": {stages.get(stage, stage.replace('_', ' '))}"
        notes = [
            f"{label}: {event.detail[key]}"
            for key, label in TIMELINE_NOTES.items()
            if event.detail.get(key) not in (None, "")
        ]
        entries.append(TimelineEntry(event.occurred_at, what, names.of_label(event.actor), notes))
    return entries


async def load_read(request: Request, viewer: Viewer, project_id: str) -> live_state.ProjectRead | None:
    """The state (live, or the read model's when the workflow cannot answer) if `viewer` may see the
    project, else None (a partner is never told more). Raises `ApiError` for an outage (503)."""
    with as_api_error(viewer.principal):
        found = await live_state.read_project_state(
            services_of(request).client, services_of(request).sessionmaker, project_id
        )
    if found is None or not may_see(viewer.principal, found.state.partner_ids):
        return None
    return found


async def load_state(request: Request, viewer: Viewer, project_id: str) -> ProjectState | None:
    """The state if `viewer` may see the project, else None; see `load_read`."""
    found = await load_read(request, viewer, project_id)
    return found.state if found is not None else None


async def project_page(
    request: Request,
    viewer: Viewer,
    project_id: str,
    *,
    errors: dict[str, FormError] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The project page; after a refusal, with the reason beside the form and what was typed kept."""
    try:
        found = await load_read(request, viewer, project_id)
    except ApiError as error:
        if error.status_code == status.HTTP_404_NOT_FOUND:
            return not_found_page(request, viewer)
        return unavailable_page(request, viewer, error)
    if found is None:
        return not_found_page(request, viewer)
    return await render_project(
        request,
        viewer,
        found.state,
        errors=errors,
        values=values,
        status_code=status_code,
        live_reason=found.not_live_reason,
    )


async def render_project(
    request: Request,
    viewer: Viewer,
    state: ProjectState,
    *,
    errors: dict[str, FormError] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = status.HTTP_200_OK,
    live_reason: str | None = None,
) -> HTMLResponse:
    catalog: TemplateCatalog = services_of(request).catalog
    template = catalog.get(state.template_name, state.template_version)
    project = project_public(state, template, viewer.principal, datetime.now(UTC), live_reason=live_reason)
    events: list[Event] = []
    async with services_of(request).sessionmaker() as session:
        events, _ = await project_reads.list_events(session, state.project_id, limit=500, offset=0)
        seen = [a for m in state.milestones for s in m.submissions for a in (s.actor, s.reviewer) if a is not None]
        names = await actor_names.resolve(
            session, {e.actor for e in events}, partner_ids=state.partner_ids, actors_seen=seen
        )
        partners = await partner_service.partner_names(session, state.partner_ids)
        evidence = await evidence_of(session, state.project_id)
        staff = sees_everything(viewer.principal)  # partners never see respondents' figures (survey_staff)
        follow_up = await follow_up_summary(session, state.project_id) if staff else None
    return render(
        request,
        "project.html",
        viewer,
        status_code=status_code,
        project=project,
        lifecycle=template,
        steps=stage_steps(template, state, project),
        ended=state.stage in TERMINAL_STAGES,
        offered=Offered.of(project),
        partners=partners,
        timeline=timeline(events, state, template, names),
        names=names,
        evidence=evidence,
        follow_up=follow_up,
        offset_words=offset_words,
        outcomes=outcomes_of(services_of(request), template),
        errors=errors or {},
        values=values or {},
        # 👉 One nonce per rendering, sent back with each form: a double submit (or back + resubmit)
        # reuses the update id, and Temporal applies an update id at most once.
        nonce=secrets.token_urlsafe(12),
        tz=state.timezone,
    )
