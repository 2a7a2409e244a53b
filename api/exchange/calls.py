"""The Temporal side of the Knowledge Exchange routes: start, query, update and signal `exchange/{year}`.

Like api.temporal_calls for projects, and for the same reasons: every call is bounded (no worker must
not mean a request held open), and the meaning of Temporal's errors is decided here. A NOT_FOUND from
an update means "no such programme" only if `describe()` agrees; otherwise the workflow has completed,
so the programme has closed (409). Refusals from update validators travel as
`WorkflowUpdateFailedError` and are mapped by api.errors like every other refusal.

Applications never go through an Update (ARCHITECTURE.md: ~10 in-flight Updates per workflow): they
are stored first, then `note_application` is signalled, best effort (`signal_application`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

import structlog
from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import TemporalError
from temporalio.service import RPCError
from temporalio.workflow import UpdateMethodMultiParam

from api.errors import ApiError, not_found
from api.exchange.errors import PROGRAMME_CLOSED, PROGRAMME_NOT_FOUND
from api.temporal_calls import execute_update_or_explain, query_or_why_not
from domain.exchange import ApplicationReceived, ExchangeInput, ExchangeState
from store.exchange import reads as exchange_reads
from workflows.exchange import ExchangeProgrammeWorkflow
from workflows.naming import ENGAGE_KIND, ENGAGE_PARTNERS, exchange_workflow_id

P = TypeVar("P")
R = TypeVar("R")

#: A signal is best effort and must never hold an accepted application up for long.
SIGNAL_TIMEOUT = timedelta(seconds=3)
PROGRAMME_KIND = "programme"
#: `ProgrammeDetail.live_reason` when the state is the recorded one.
NOT_LIVE = (
    "The programme's workflow could not answer (it keeps failing) or is no longer kept: this is the last "
    "recorded state, which may be behind."
)

log = structlog.get_logger("engage.api")

Handle = WorkflowHandle[ExchangeProgrammeWorkflow, ExchangeState]


def programme_handle(client: Client, year: int) -> Handle:
    return client.get_workflow_handle_for(ExchangeProgrammeWorkflow.run, exchange_workflow_id(year))


def programme_closed() -> ApiError:
    return ApiError(status.HTTP_409_CONFLICT, PROGRAMME_CLOSED, field="year", reason=PROGRAMME_CLOSED, error="ended")


async def start_programme(client: Client, start: ExchangeInput, *, task_queue: str) -> None:
    """Start `exchange/{year}`; once this returns, the programme exists durably.

    👉 REJECT_DUPLICATE: a year is opened once, ever; a second POST (or a year the yearly schedule
    already opened) raises WorkflowAlreadyStartedError, answered 409 by api.errors.
    """
    await client.start_workflow(
        ExchangeProgrammeWorkflow.run,
        start,
        id=exchange_workflow_id(start.year),
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(ENGAGE_KIND, PROGRAMME_KIND),
                SearchAttributePair(ENGAGE_PARTNERS, list(start.partner_ids)),
            ]
        ),
    )


async def programme_state(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession], year: int
) -> tuple[ExchangeState, bool] | None:
    """The live state (and True), or the last recorded snapshot (and False) once Temporal has forgotten
    the programme, it cannot answer (it is stuck) or no worker answers; None if there never was one."""
    # Forgotten by Temporal, stuck, or no worker answering: the last recorded state, never a 500.
    live, _ = await query_or_why_not(programme_handle(client, year), ExchangeProgrammeWorkflow.status)
    if live is not None:
        return live, True
    async with sessionmaker() as session:
        row = await exchange_reads.get_programme(session, year)
    if row is None:
        return None
    return ExchangeState.model_validate(row.state), False


async def run_update(
    client: Client,
    year: int,
    update: UpdateMethodMultiParam[[ExchangeProgrammeWorkflow, P], R],
    arg: P,
    *,
    update_id: str | None = None,
) -> R:
    """Execute `update` on the programme and return its result; the same `update_id` applies once."""
    return await execute_update_or_explain(
        client,
        programme_handle(client, year),
        update,
        arg,
        update_id=update_id,
        unknown=lambda: not_found(PROGRAMME_NOT_FOUND),
        ended=programme_closed,
    )


async def signal_application(client: Client, year: int, received: ApplicationReceived) -> bool:
    """Tell the programme an application is stored. Best effort: False (logged) if the signal failed.

    A lost signal costs little: shortlisting and selection signal again before their Update (the
    signal is idempotent), and the unsuccessful applicants are found in the database, not the state.
    """
    try:
        await programme_handle(client, year).signal(
            ExchangeProgrammeWorkflow.note_application, received, rpc_timeout=SIGNAL_TIMEOUT
        )
    except (TemporalError, RPCError, TimeoutError, ConnectionError) as exc:
        log.warning(
            "application_signal_deferred", year=year, application_id=received.application_id, error=type(exc).__name__
        )
        return False
    return True
