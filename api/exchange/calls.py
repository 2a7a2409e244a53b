"""The Knowledge Exchange programme `exchange/{year}` as the routes and pages use it, on top of api.temporal_calls.

Nothing here calls Temporal itself: api.temporal_calls bounds every call and decides once what its
failures mean (an unknown year is 404, a programme that has completed is 409 `ProjectEnded`, a stuck
one 503 `stuck`), so the programme answers exactly as a project does. What is the programme's own:
its search attributes at start, and the read model it falls back to when the workflow cannot answer.

Applications never go through an Update (ARCHITECTURE.md: ~10 in-flight Updates per workflow): they
are stored first, then `note_application` is signalled, best effort (`signal_application`).
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.workflow import UpdateMethodMultiParam

from api import temporal_calls
from domain.exchange import ApplicationReceived, ExchangeInput, ExchangeState
from store.exchange import reads as exchange_reads
from workflows.exchange import ExchangeProgrammeWorkflow
from workflows.naming import ENGAGE_KIND, ENGAGE_PARTNERS, exchange_workflow_id

P = TypeVar("P")
R = TypeVar("R")

PROGRAMME_KIND = "programme"
#: `ProgrammeDetail.live_reason` when the state is the recorded one.
NOT_LIVE = (
    "The programme's workflow could not answer (it keeps failing) or is no longer kept: this is the last "
    "recorded state, which may be behind."
)


async def start_programme(client: Client, start: ExchangeInput, *, task_queue: str) -> None:
    """Start `exchange/{year}`; once this returns, the programme exists durably.

    A year is opened once, ever: a second POST (or a year the yearly schedule already opened) is
    409 (REJECT_DUPLICATE in api.temporal_calls.start).
    """
    await temporal_calls.start(
        client,
        ExchangeProgrammeWorkflow.run,
        start,
        workflow_id=exchange_workflow_id(start.year),
        task_queue=task_queue,
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
    live, _ = await temporal_calls.query_or_why_not(
        temporal_calls.programme(client, year), ExchangeProgrammeWorkflow.status
    )
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
    return await temporal_calls.update(client, temporal_calls.programme(client, year), update, arg, update_id=update_id)


async def signal_application(client: Client, year: int, received: ApplicationReceived) -> bool:
    """Tell the programme an application is stored. Best effort: False (logged) if the signal failed.

    A lost signal costs little: shortlisting and selection signal again before their Update (the
    signal is idempotent), and the unsuccessful applicants are found in the database, not the state.
    """
    programme = temporal_calls.programme(client, year)
    return await temporal_calls.signal(programme, ExchangeProgrammeWorkflow.note_application, received)
