"""Staff decisions about a whole project: pause, resume, withdraw (with a reason), close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body
from temporalio.client import Client

from api.access import access
from api.auth import Principal
from api.callers import Caller
from api.deps import CatalogDep, IdempotencyKeyDep, TemporalDep
from api.errors import error_responses
from api.projects import updates
from api.projects.schemas import ProjectPublic, StaffActionCreate
from api.projects.updates import Decision
from api.projects.views import project_public
from domain.state import ProjectState
from domain.templates import TemplateCatalog

router = APIRouter(prefix="/api/v1/projects/{project_id}", tags=["projects"])

OptionalReason = Annotated[StaffActionCreate | None, Body()]
_RESPONSES = error_responses(401, 403, 404, 409, 422, 503)


def _answer(state: ProjectState, catalog: TemplateCatalog, principal: Principal) -> ProjectPublic:
    template = catalog.get(state.template_name, state.template_version)
    return project_public(state, template, principal, datetime.now(UTC))


async def _act(
    decision: Decision,
    project_id: str,
    principal: Principal,
    client: Client,
    catalog: TemplateCatalog,
    body: StaffActionCreate | None,
    idempotency_key: str | None,
) -> ProjectPublic:
    """One staff decision (api.projects.updates.decide), answered with the project."""
    state = await updates.decide(Caller(client, principal, idempotency_key), project_id, decision, body)
    return _answer(state, catalog, principal)


@router.post("/pause", responses=_RESPONSES)
async def pause_project(
    project_id: str,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    catalog: CatalogDep,
    body: OptionalReason = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProjectPublic:
    """Pause the project: no reminders or due dates run until it resumes."""
    return await _act("pause", project_id, principal, client, catalog, body, idempotency_key)


@router.post("/resume", responses=_RESPONSES)
async def resume_project(
    project_id: str,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    catalog: CatalogDep,
    body: OptionalReason = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProjectPublic:
    """Resume a paused project; due dates move on by the time it was paused."""
    return await _act("resume", project_id, principal, client, catalog, body, idempotency_key)


@router.post("/withdraw", responses=_RESPONSES)
async def withdraw_project(
    project_id: str,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    catalog: CatalogDep,
    body: OptionalReason = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProjectPublic:
    """Withdraw the project (a reason is required); it takes no more input."""
    return await _act("withdraw", project_id, principal, client, catalog, body, idempotency_key)


@router.post("/close", responses=_RESPONSES)
async def close_project(
    project_id: str,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    catalog: CatalogDep,
    body: OptionalReason = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProjectPublic:
    """Close a project that has reached follow-up."""
    return await _act("close", project_id, principal, client, catalog, body, idempotency_key)
