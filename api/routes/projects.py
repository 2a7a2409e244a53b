"""Projects: start one, list them (read model), read one live (workflow query), read its timeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Response, status
from sqlalchemy.exc import SQLAlchemyError
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import workflow_calls
from api.auth import Principal
from api.deps import (
    CatalogDep,
    IdempotencyKeyDep,
    LimitQuery,
    OffsetQuery,
    PrincipalDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
    TemporalDep,
)
from api.errors import (
    IDEMPOTENCY_KEY_REUSED,
    PARTNER_SCOPE,
    PROJECT_NOT_FOUND,
    UNKNOWN_PARTNER,
    UNKNOWN_TEMPLATE,
    ApiError,
    error_responses,
    forbidden,
    invalid,
    not_found,
)
from api.schemas import EventPublic, Page, ProjectCreate, ProjectPublic, ProjectSummary
from api.views import project_public, state_at_start
from domain.lifecycle import Stage
from domain.state import ProjectInput
from store import commands, queries
from store.queries import ProjectFilter
from workflows.naming import project_workflow_id

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])
log = structlog.get_logger("engage.api")

#: Fixed forever: project ids derived from Idempotency-Keys depend on it.
REPLAYED = "A retry with the same Idempotency-Key: the project it created."
IDEMPOTENT_PROJECT_NAMESPACE = uuid.UUID("6f1c8f0e-4f0a-4a59-9a53-3c1d0c2b7e41")


def new_project_id(principal: Principal, idempotency_key: str | None) -> str:
    """A fresh id, or for an Idempotency-Key the same id every time this caller sends it."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return uuid.uuid5(IDEMPOTENT_PROJECT_NAMESPACE, f"{principal.key_id}:{idempotency_key}").hex


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 409, 422, 503) | {200: {"description": REPLAYED}},
)
async def create_project(
    body: ProjectCreate,
    response: Response,
    principal: PrincipalDep,
    client: TemporalDep,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProjectPublic:
    """Start a project on the latest version of a template."""
    template = catalog.latest(body.template)
    if template is None:
        raise invalid("template", f"no template is named {body.template!r}", UNKNOWN_TEMPLATE)
    if not principal.is_staff and body.partner_ids != [principal.partner_id]:
        raise forbidden(PARTNER_SCOPE)
    missing = await queries.missing_partner_ids(session, body.partner_ids)
    if missing:
        raise invalid("partner_ids", f"no partner has the id {missing[0]!r}", UNKNOWN_PARTNER)
    start = ProjectInput(
        project_id=new_project_id(principal, idempotency_key),
        template=template,
        title=body.title,
        summary=body.summary,
        lead=body.lead,
        partner_ids=tuple(body.partner_ids),
        follow_up_schedule=tuple(body.follow_up_schedule or ()),
        timezone=body.timezone,
        created_at=datetime.now(UTC),
    )
    try:
        # 👉 The start is the durable acceptance: from here on the project exists.
        await workflow_calls.start_project(client, start, task_queue=settings.task_queue)
    except WorkflowAlreadyStartedError:
        first = await workflow_calls.started_input(client, start.project_id) if idempotency_key else None
        if first is None:
            raise
        if first.title != start.title or first.template.name != start.template.name:
            raise ApiError(status.HTTP_409_CONFLICT, IDEMPOTENCY_KEY_REUSED) from None
        response.status_code = status.HTTP_200_OK
        return project_public(state_at_start(first), first.template, principal, first.created_at)
    state = state_at_start(start)
    try:
        await commands.insert_project(session, state, workflow_id=project_workflow_id(start.project_id))
    except (SQLAlchemyError, OSError) as exc:
        # Best effort: the workflow's first activity writes the same row, so the list catches up.
        log.warning("project_row_deferred", project_id=start.project_id, error=type(exc).__name__)
    return project_public(state, template, principal, start.created_at)


@router.get("", responses=error_responses(401, 422))
async def list_projects(
    principal: PrincipalDep,
    session: SessionDep,
    stage: Stage | None = None,
    template: Annotated[str | None, Query(max_length=64)] = None,
    partner: Annotated[str | None, Query(max_length=32)] = None,
    overdue: bool | None = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[ProjectSummary]:
    """Projects from the read model, newest first; a partner key sees only its own."""
    if not principal.is_staff:
        if partner is not None and partner != principal.partner_id:
            return Page(items=[], total=0, limit=limit, offset=offset)
        partner = principal.partner_id
    filters = ProjectFilter(
        stage=stage.value if stage else None, template=template, partner_id=partner, overdue=overdue
    )
    listings, total = await queries.list_projects(session, filters, now=datetime.now(UTC), limit=limit, offset=offset)
    items = [
        ProjectSummary(
            id=item.project.id,
            title=item.project.title,
            template=item.project.template_name,
            template_version=item.project.template_version,
            kind=item.project.kind,
            stage=Stage(item.project.stage),
            paused=item.project.paused,
            partners=item.partner_ids,
            next_due_at=item.project.next_due_at,
            overdue=item.overdue,
            created_at=item.project.created_at,
            updated_at=item.project.updated_at,
        )
        for item in listings
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{project_id}", responses=error_responses(401, 404))
async def read_project(
    project_id: str,
    principal: PrincipalDep,
    client: TemporalDep,
    sessionmaker: SessionmakerDep,
    catalog: CatalogDep,
) -> ProjectPublic:
    """A project's live state and what the caller may do now."""
    state = await workflow_calls.project_state(client, sessionmaker, project_id)
    if state is None or not principal.may_see(state.partner_ids):
        raise not_found(PROJECT_NOT_FOUND)
    template = catalog.get(state.template_name, state.template_version)
    return project_public(state, template, principal, datetime.now(UTC))


@router.get("/{project_id}/events", responses=error_responses(401, 404))
async def list_project_events(
    project_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: OffsetQuery = 0,
) -> Page[EventPublic]:
    """The project's timeline from the event log, oldest first."""
    if not principal.is_staff:
        assert principal.partner_id is not None
        if not await queries.partner_in_project(session, project_id, principal.partner_id):
            raise not_found(PROJECT_NOT_FOUND)
    events, total = await queries.list_events(session, project_id, limit=limit, offset=offset)
    if total == 0 and await queries.get_project(session, project_id) is None:
        raise not_found(PROJECT_NOT_FOUND)
    return Page(items=[EventPublic.model_validate(e) for e in events], total=total, limit=limit, offset=offset)
