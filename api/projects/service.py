"""Starting a project: the one code path behind `POST /api/v1/projects` and the dashboard's form.

Checks the caller may start it (a partner only for itself), that the template and partners exist,
then starts the workflow: once the start returns the project exists durably. With an
Idempotency-Key the project id is derived from it, so a retry finds the first project (answered
as `replayed`) instead of starting a second. The read-model row is written best effort: the
workflow's first activity writes the same row, so a failure here only delays the list. The JSON
route writes it after answering (`record_row=False`, then `record_project_row_later` as a
background task): on SQLite that write waits for the worker's transactions, and measured it was
most of the request's time (bench/README.md).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from fastapi import status
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import live_state, temporal_calls
from api.access import require_own_partnership
from api.app_services import AppServices
from api.auth import Principal
from api.errors import (
    IDEMPOTENCY_KEY_REUSED,
    UNKNOWN_PARTNER,
    UNKNOWN_TEMPLATE,
    ApiError,
    invalid,
    unavailable,
)
from api.projects.outcomes import check_keys, framework_for
from api.projects.schemas import ProjectCreate, ProjectPublic
from api.projects.views import project_public, state_at_start
from domain.lifecycle import LifecycleTemplate
from domain.state import ProjectInput, ProjectState
from store.partners import reads as partner_reads
from store.projects import reads as project_reads
from store.projects import writes as project_writes
from store.tables import Project
from workflows.naming import project_workflow_id

log = structlog.get_logger("engage.api")

#: Fixed forever: project ids derived from Idempotency-Keys depend on it.
IDEMPOTENT_PROJECT_NAMESPACE = uuid.UUID("6f1c8f0e-4f0a-4a59-9a53-3c1d0c2b7e41")


@dataclass(frozen=True)
class StartedProject:
    """The project as started. `replayed`: an earlier request with the same Idempotency-Key started it."""

    state: ProjectState
    template: LifecycleTemplate
    as_of: datetime
    replayed: bool = False
    #: The project as the caller sees it, rendered while the start was in flight (`render=True`).
    public: ProjectPublic | None = None


def new_project_id(principal: Principal, idempotency_key: str | None) -> str:
    """A fresh id, or for an Idempotency-Key the same id every time this caller sends it."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return uuid.uuid5(IDEMPOTENT_PROJECT_NAMESPACE, f"{principal.key_id}:{idempotency_key}").hex


async def start_project(
    body: ProjectCreate,
    principal: Principal,
    services: AppServices,
    *,
    idempotency_key: str | None,
    record_row: bool = True,
    render: bool = False,
) -> StartedProject:
    """Start a project on the latest version of `body.template`; raise `ApiError` when refused.

    `record_row=False` leaves the first read-model row to the caller (`record_project_row_later`).
    `render` also renders the answer (`StartedProject.public`) while the start is in flight.
    Partners the API has seen exist (`services.known_partners`) are not looked up again.
    """
    template = services.catalog.latest(body.template)
    if template is None:
        raise invalid("template", f"no template is named {body.template!r}", UNKNOWN_TEMPLATE)
    require_own_partnership(principal, body.partner_ids)
    check_keys(body.intended_outcomes, framework_for(template, services.instruments), "intended_outcomes")
    unknown = services.known_partners.unknown(body.partner_ids)
    if unknown:
        # 👉 A session of its own, ended before calling Temporal: a pooled connection held across the
        # start would leave concurrent requests (and the row written after the answer) waiting.
        async with services.sessionmaker() as session:
            missing = await partner_reads.missing_partner_ids(session, unknown)
        if missing:
            raise invalid("partner_ids", f"no partner has the id {missing[0]!r}", UNKNOWN_PARTNER)
        services.known_partners.remember(unknown)
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
        # 👉 Who started it: the workflow's `project_created` event names them (the audit trail, issue 14).
        created_by=principal.actor(),
        intended_outcomes=dict(body.intended_outcomes),
    )
    try:
        # 👉 The start is the durable acceptance: from here on the project exists.
        state, public = await _start_and_derive(
            services.client, start, services.settings.task_queue, principal if render else None
        )
    except WorkflowAlreadyStartedError:
        first = await temporal_calls.started_input(services.client, start.project_id) if idempotency_key else None
        if first is None:
            raise
        if first.title != start.title or first.template.name != start.template.name:
            raise ApiError(status.HTTP_409_CONFLICT, IDEMPOTENCY_KEY_REUSED) from None
        return StartedProject(state_at_start(first), first.template, first.created_at, replayed=True)
    if record_row:
        await record_project_row_later(services.sessionmaker, state)
    return StartedProject(state, template, start.created_at, public=public)


async def _start_and_derive(
    client: Client, start: ProjectInput, task_queue: str, viewer: Principal | None
) -> tuple[ProjectState, ProjectPublic | None]:
    """Start the workflow and, while the server persists the start, derive the state it starts in
    (and, for a `viewer`, render it as they see it).

    Both are pure functions of the input, so they need not wait for the answer: they run on the
    CPU while the request is in flight instead of after it (measured ~0.5 ms of a create's
    latency, bench/README.md). They are only returned if the start succeeded.
    """
    in_flight = asyncio.ensure_future(temporal_calls.start_project(client, start, task_queue=task_queue))
    await asyncio.sleep(0)  # the start request goes out before the CPU work below
    try:
        state = state_at_start(start)
        public = project_public(state, start.template, viewer, start.created_at) if viewer else None
    finally:
        await in_flight
    return state, public


async def record_project_row(session: AsyncSession, state: ProjectState) -> None:
    """Insert a started project's first read-model row; never raises for a database problem."""
    try:
        await project_writes.insert_project(session, state, workflow_id=project_workflow_id(state.project_id))
        await session.commit()
    except (SQLAlchemyError, OSError) as exc:
        # Best effort: the workflow's first activity writes the same row, so the list catches up.
        log.warning("project_row_deferred", project_id=state.project_id, error=type(exc).__name__)


async def record_project_row_later(sessionmaker: async_sessionmaker[AsyncSession], state: ProjectState) -> None:
    """`record_project_row` in a session of its own (also as a background task after the answer)."""
    async with sessionmaker() as session:
        await record_project_row(session, state)


async def recorded_project(services: AppServices, session: AsyncSession, project_id: str) -> Project | None:
    """The project's read-model row; when it is not written yet, written now from the workflow's state.

    The JSON create answers before its row is written (`record_project_row_later`), and the workflow's
    first activity writes it too: in those moments a client adding respondents or reading the timeline
    right after the create must not be told the project does not exist. None only when neither the
    read model nor Temporal knows it; 503 when Temporal has it but the row cannot be written now.
    """
    row = await project_reads.get_project(session, project_id)
    if row is not None:
        return row
    state = await live_state.project_state(services.client, services.sessionmaker, project_id)
    if state is None:
        return None
    await record_project_row(session, state)
    row = await project_reads.get_project(session, project_id)
    if row is None:
        raise unavailable()
    return row
