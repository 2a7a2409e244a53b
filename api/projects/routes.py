"""Projects: start one, list them (read model), read one live (workflow query), read its timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Response, status

from api import live_state
from api.access import access, partner_scope
from api.auth import Principal
from api.deps import (
    CatalogDep,
    IdempotencyKeyDep,
    LimitQuery,
    OffsetQuery,
    ServicesDep,
    SessionDep,
    SessionmakerDep,
    TemporalDep,
)
from api.errors import PROJECT_NOT_FOUND, error_responses, not_found
from api.partners import actor_names
from api.projects import service as projects_service
from api.projects.schemas import EventPublic, ProjectCreate, ProjectPublic, ProjectSummary
from api.projects.views import catalog_stage_title, project_public
from api.schemas import Page
from domain.lifecycle import Stage
from store.projects import reads as project_reads
from store.projects.reads import ProjectFilter

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])

REPLAYED = "A retry with the same Idempotency-Key: the project it created."


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 409, 422, 503) | {200: {"description": REPLAYED}},
)
async def create_project(
    body: ProjectCreate,
    response: Response,
    background: BackgroundTasks,
    principal: Annotated[Principal, access("signed_in")],
    services: ServicesDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProjectPublic:
    """Start a project on the latest version of a template."""
    started = await projects_service.start_project(
        body, principal, services, idempotency_key=idempotency_key, record_row=False, render=True
    )
    if started.replayed:
        response.status_code = status.HTTP_200_OK
    else:
        # 👉 The start made the project durable; its list row is best effort and follows the answer
        # by milliseconds (the worker's first activity writes it too).
        background.add_task(projects_service.record_project_row_later, services.sessionmaker, started.state)
    return started.public or project_public(started.state, started.template, principal, started.as_of)


@router.get("", responses=error_responses(401, 422))
async def list_projects(
    principal: Annotated[Principal, access("signed_in")],
    session: SessionDep,
    catalog: CatalogDep,
    stage: Stage | None = None,
    template: Annotated[str | None, Query(max_length=64)] = None,
    partner: Annotated[str | None, Query(max_length=32)] = None,
    overdue: bool | None = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[ProjectSummary]:
    """Projects from the read model, newest first; a partner key sees only its own."""
    only = partner_scope(principal)
    if only is not None:
        if partner is not None and partner != only:
            return Page(items=[], total=0, limit=limit, offset=offset)
        partner = only
    filters = ProjectFilter(
        stage=stage.value if stage else None, template=template, partner_id=partner, overdue=overdue
    )
    listings, total = await project_reads.list_projects(
        session, filters, now=datetime.now(UTC), limit=limit, offset=offset
    )
    items = [
        ProjectSummary(
            id=item.project.id,
            title=item.project.title,
            template=item.project.template_name,
            template_version=item.project.template_version,
            kind=item.project.kind,
            stage=Stage(item.project.stage),
            stage_title=catalog_stage_title(
                catalog, item.project.template_name, item.project.template_version, item.project.stage
            ),
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


@router.get("/{project_id}", responses=error_responses(401, 404, 503))
async def read_project(
    project_id: str,
    principal: Annotated[Principal, access("project_party")],
    client: TemporalDep,
    sessionmaker: SessionmakerDep,
    catalog: CatalogDep,
) -> ProjectPublic:
    """A project's live state and what the caller may do now.

    When the workflow cannot answer (it is stuck) or is no longer kept, the last recorded state, with
    `live: false` and `live_reason`: never a 500.
    """
    found = await live_state.read_project_state(client, sessionmaker, project_id)
    if found is None:
        raise not_found(PROJECT_NOT_FOUND)
    state = found.state
    template = catalog.get(state.template_name, state.template_version)
    return project_public(state, template, principal, datetime.now(UTC), live_reason=found.not_live_reason)


@router.get("/{project_id}/events", responses=error_responses(401, 404, 503))
async def list_project_events(
    project_id: str,
    principal: Annotated[Principal, access("project_party")],
    session: SessionDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: OffsetQuery = 0,
) -> Page[EventPublic]:
    """The project's timeline from the event log, oldest first."""
    events, total = await project_reads.list_events(session, project_id, limit=limit, offset=offset)
    if total == 0 and await projects_service.recorded_project(services, session, project_id) is None:
        raise not_found(PROJECT_NOT_FOUND)
    names = await actor_names.resolve(
        session, {e.actor for e in events}, partner_ids=await project_reads.project_partner_ids(session, project_id)
    )
    items = [EventPublic.model_validate(e).model_copy(update={"actor_name": names.of_label(e.actor)}) for e in events]
    return Page(items=items, total=total, limit=limit, offset=offset)
