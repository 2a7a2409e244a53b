"""How a project's state is shown: `ProjectState` → `ProjectPublic`, with what the caller may do now.

Pure functions of (state, pinned template, caller, now), so `POST /projects` can answer from the
state it computed locally and `GET /projects/{id}` from the workflow's query with no database
round trip. Actions come from `domain.rules.available_actions`, the same checks the workflow's
validators run, so an advertised action is one the workflow will accept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from api.auth import Principal
from api.projects.schemas import (
    ActionPublic,
    DisplayPublic,
    MilestonePublic,
    ProjectPublic,
    StagePublic,
    SubmissionPublic,
    WorkshopPublic,
)
from domain.lifecycle import STAGE_ORDER, TERMINAL_STAGES, LifecycleTemplate, Stage, stage_label
from domain.rules import AvailableAction, available_actions
from domain.state import MilestoneState, ProjectInput, ProjectState, WorkshopState
from domain.templates import TemplateCatalog
from domain.transitions import new_project, open_stage

API_PREFIX = "/api/v1"

HttpMethod = Literal["GET", "POST", "PUT", "DELETE"]

#: Each action `available_actions` can name, and the route that performs it.
ACTION_ROUTES: dict[str, tuple[HttpMethod, str]] = {
    "submit": ("POST", "/milestones/{milestone_key}/submissions"),
    "review": ("POST", "/milestones/{milestone_key}/review"),
    "schedule_workshop": ("POST", "/workshops"),
    "record_attendance": ("POST", "/workshops/{workshop_id}/attendance"),
    "cancel_workshop": ("POST", "/workshops/{workshop_id}/cancel"),
    "set_display": ("PUT", "/display"),
    "pause": ("POST", "/pause"),
    "resume": ("POST", "/resume"),
    "withdraw": ("POST", "/withdraw"),
    "close": ("POST", "/close"),
}


def state_at_start(start: ProjectInput) -> ProjectState:
    """The state the workflow will have once it begins: a pure function of its input.

    The first stage opens at `created_at` here (the workflow opens it a moment later, at its
    first task), so answering a create and replaying it give the same body.
    """
    state = new_project(start)
    open_stage(start.template, state, start.template.stages[0].stage, start.created_at)
    return state


def stage_title(template: LifecycleTemplate | None, stage: Stage | str) -> str:
    """The stage as people know it: the pinned template's title for it ("Planning"), never the key."""
    known = Stage(stage)
    return template.stage_title(known) if template is not None else stage_label(known)


def catalog_stage_title(catalog: TemplateCatalog, template_name: str, template_version: int, stage: str) -> str:
    """`stage_title` for a read-model row, which names its template by name and version."""
    return stage_title(catalog.get(template_name, template_version), stage)


def project_href(project_id: str) -> str:
    return f"{API_PREFIX}/projects/{project_id}"


def action_public(project_id: str, action: AvailableAction) -> ActionPublic:
    method, path = ACTION_ROUTES[action.action]
    href = project_href(project_id) + path.format(
        milestone_key=action.milestone_key or "", workshop_id=action.workshop_id or ""
    )
    return ActionPublic(
        action=action.action,
        method=method,
        href=href,
        milestone_key=action.milestone_key,
        workshop_id=action.workshop_id,
    )


def milestone_public(milestone: MilestoneState, now: datetime, *, current: bool = True) -> MilestonePublic:
    """`current`: the milestone belongs to the open stage, the only one whose milestones can be overdue."""
    return MilestonePublic(
        key=milestone.key,
        stage=milestone.stage,
        title=milestone.title,
        submitter=milestone.submitter,
        status=milestone.status,
        review_required=milestone.review_required,
        required=milestone.required,
        rates_outcomes=milestone.rates_outcomes,
        due_at=milestone.due_at,
        overdue=current and milestone.is_overdue(now),
        submissions=[
            SubmissionPublic(
                number=s.number,
                actor=s.actor,
                summary=s.summary,
                links=list(s.links),
                cost=s.cost,
                submitted_at=s.submitted_at,
                decision=s.decision,
                note=s.note,
                reviewed_at=s.reviewed_at,
                reviewer=s.reviewer,
                on_behalf_of=s.on_behalf_of,
                outcome_ratings=dict(s.outcome_ratings),
            )
            for s in milestone.submissions
        ],
    )


def workshop_public(workshop: WorkshopState) -> WorkshopPublic:
    return WorkshopPublic.model_validate(workshop.model_dump(exclude={"reminder_sent"}))


def project_public(
    state: ProjectState,
    template: LifecycleTemplate | None,
    principal: Principal,
    now: datetime,
    *,
    live_reason: str | None = None,
) -> ProjectPublic:
    """The whole project as `principal` sees it at `now` (`template` is the pinned one, if known).

    `live_reason` says the state is the read model's, not the workflow's: nothing can be done then.
    """
    stages = [s.stage for s in template.stages] if template is not None else list(STAGE_ORDER)
    grouped: dict[str, list[MilestonePublic]] = {stage.value: [] for stage in stages}
    for milestone in state.milestones:
        current = milestone.stage is state.stage and state.stage not in TERMINAL_STAGES
        grouped.setdefault(milestone.stage.value, []).append(milestone_public(milestone, now, current=current))
    actions = available_actions(template, state, principal.actor(), now) if template and not live_reason else []
    display = state.display
    return ProjectPublic(
        id=state.project_id,
        title=state.title,
        summary=state.summary,
        template=state.template_name,
        template_version=state.template_version,
        kind=state.kind,
        stage=state.stage,
        stage_title=stage_title(template, state.stage),
        paused=state.paused_at is not None,
        paused_at=state.paused_at,
        partners=list(state.partner_ids),
        partner_ids=list(state.partner_ids),
        lead=state.lead,
        timezone=state.timezone,
        follow_up_schedule=[str(offset) for offset in state.follow_up_schedule],
        intended_outcomes=dict(state.intended_outcomes),
        created_at=state.created_at,
        updated_at=state.updated_at,
        ended_reason=state.ended_reason,
        stages=[StagePublic(stage=s.stage, opened_at=s.opened_at, closed_at=s.closed_at) for s in state.stages],
        milestones=grouped,
        workshops=[workshop_public(w) for w in state.workshops],
        display=DisplayPublic.model_validate(display.model_dump()) if display is not None else None,
        actions=[action_public(state.project_id, a) for a in actions],
        live=live_reason is None,
        live_reason=live_reason,
    )
