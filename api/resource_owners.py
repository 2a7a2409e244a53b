"""Who owns a project or a programme, for the access checks (api.access_rules): a project's partners from
the read model, then the workflow (the moments after a start, before the read model lists them); a
programme's active partners from its read-model row.
"""

from __future__ import annotations

from fastapi import Request

from api import live_state
from api.app_services import services_of
from api.errors import not_found
from api.exchange.errors import PROGRAMME_NOT_FOUND
from domain.exchange import ExchangeState
from store.exchange import reads as exchange_reads
from store.projects import reads as project_reads


async def is_project_party(request: Request, project_id: str, partner_id: str) -> bool:
    """Whether `partner_id` takes part in the project: the read model first (one indexed read), the
    workflow when the read model has no row for it yet."""
    services = services_of(request)
    async with services.sessionmaker() as session:
        if await project_reads.partner_in_project(session, project_id, partner_id):
            return True
    state = await live_state.project_state(services.client, services.sessionmaker, project_id)
    return state is not None and partner_id in state.partner_ids


async def programme_partner_ids(request: Request, year: int) -> list[str]:
    """The partners taking part in a year's programme; 404 when there is no such programme."""
    async with services_of(request).sessionmaker() as session:
        row = await exchange_reads.get_programme(session, year)
    if row is None:
        raise not_found(PROGRAMME_NOT_FOUND)
    return list(ExchangeState.model_validate(row.state).active_partner_ids())
