"""Staff decisions about a whole project (pause, resume, withdraw with a reason, close), one route each;
and editing its particulars (PATCH, issue 15)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body

from api.access import access
from api.auth import Principal
from api.callers import Caller
from api.deps import IdempotencyKeyDep, ServicesDep
from api.errors import error_responses
from api.projects import updates
from api.projects.edit_schemas import ProjectEditRequest
from api.projects.input_schemas import StaffActionCreate
from api.projects.outcomes import check_project_keys
from api.projects.schemas import ProjectPublic
from api.projects.updates import Decision
from api.projects.views import project_public

router = APIRouter(prefix="/api/v1/projects/{project_id}", tags=["projects"])

OptionalReason = Annotated[StaffActionCreate | None, Body()]
_RESPONSES = error_responses(401, 403, 404, 409, 422, 503)


#: Each decision's route: POST /api/v1/projects/{project_id}/{decision}, named `{decision}_project`.
DECISIONS: dict[Decision, str] = {
    "pause": "Pause the project: no reminders or due dates run until it resumes.",
    "resume": "Resume a paused project; due dates move on by the time it was paused.",
    "withdraw": "Withdraw the project (a reason is required); it takes no more input.",
    "close": "Close a project that has reached follow-up.",
}


def _decision_route(decision: Decision) -> Callable[..., Awaitable[ProjectPublic]]:
    """The route for one staff decision (api.projects.updates.decide), answered with the project."""

    async def act(
        project_id: str,
        principal: Annotated[Principal, access("staff")],
        services: ServicesDep,
        body: OptionalReason = None,
        idempotency_key: IdempotencyKeyDep = None,
    ) -> ProjectPublic:
        caller = Caller(services.client, principal, idempotency_key)
        state = await updates.decide(caller, project_id, decision, body)
        template = services.catalog.get(state.template_name, state.template_version)
        return project_public(state, template, principal, datetime.now(UTC))

    act.__name__ = f"{decision}_project"
    act.__doc__ = DECISIONS[decision]
    return act


for _decision in DECISIONS:
    router.add_api_route(
        f"/{_decision}",
        _decision_route(_decision),
        methods=["POST"],
        responses=_RESPONSES,
        name=f"{_decision}_project",
    )


@router.patch("", responses=_RESPONSES, name="edit_project")
async def edit_project(
    project_id: str,
    body: ProjectEditRequest,
    principal: Annotated[Principal, access("staff")],
    services: ServicesDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProjectPublic:
    """Edit the title, summary, lead, partners or intended outcomes; the timeline records a `project_edited`
    event naming who.

    Partners change only before the display stage opens, and never on a placement (409 naming
    `partner_ids`); an ended project takes no edit (409).
    """
    caller = Caller(services.client, principal, idempotency_key)
    await check_project_keys(services, project_id, body.intended_outcomes or {}, "intended_outcomes")
    state = await updates.edit_project(caller, services.sessionmaker, project_id, body)
    template = services.catalog.get(state.template_name, state.template_version)
    return project_public(state, template, principal, datetime.now(UTC))
