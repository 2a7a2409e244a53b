"""A project's state for the API: live from its workflow, or the read model's last snapshot when the
workflow cannot answer now.

Why its own module: `api.temporal_calls` asks the workflow; deciding what a read falls back to (the
read model, flagged not live with the reason, or 404 / 503 when nothing is recorded) is a project rule
about the answer, not about talking to Temporal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api import temporal_calls
from api.errors import unavailable
from api.temporal_refusals import NOT_LIVE_ARCHIVED
from domain.state import ProjectState
from store.projects import reads as project_reads
from workflows.project import ProjectWorkflow


@dataclass(frozen=True)
class ProjectRead:
    """A project's state and where it came from: the workflow (live) or the read model (not live)."""

    state: ProjectState
    live: bool = True
    not_live_reason: str | None = None


async def read_project_state(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession], project_id: str
) -> ProjectRead | None:
    """The live state from the workflow; else the read model's last snapshot, flagged not live, when
    Temporal has forgotten the run, the workflow cannot answer (it is stuck) or no worker answers."""
    live, reason = await temporal_calls.query_or_why_not(
        temporal_calls.project(client, project_id), ProjectWorkflow.status
    )
    if live is not None:
        return ProjectRead(live)
    async with sessionmaker() as session:
        row = await project_reads.get_project(session, project_id)
    if row is None or row.state is None:
        if reason == NOT_LIVE_ARCHIVED:
            return None  # neither Temporal nor the read model knows it: not found
        # 👉 Temporal has the run (it just cannot answer now) but nothing is recorded yet, as in the
        # moments after a create while the worker restarts: the project exists, so not 404 but 503.
        raise unavailable()
    return ProjectRead(ProjectState.model_validate(row.state), live=False, not_live_reason=reason)


async def project_state(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession], project_id: str
) -> ProjectState | None:
    """The project's state as `read_project_state` finds it, for callers that need no provenance."""
    found = await read_project_state(client, sessionmaker, project_id)
    return found.state if found is not None else None
