"""Erasure's signals to the workflows in flight (issue 14), on top of api.temporal_calls.

They must reach: True when a running workflow took the signal, False when Temporal holds no such run
or it has ended (nothing in flight to forget); any other failure (Temporal away) is raised, so the
one error mapping answers 503 and nothing has been erased yet. Every signal is idempotent and carries
an id or an e-mail hash, never the address.
"""

from __future__ import annotations

from temporalio.client import Client

from api import temporal_calls
from domain.erasure import ApplicationForgotten, LeadForgotten
from workflows.exchange import ExchangeProgrammeWorkflow
from workflows.project import ProjectWorkflow


async def forget_lead(client: Client, project_id: str, email_hash: str) -> bool:
    """The project forgets its lead if `email_hash` (store.hashing.email_hash) is theirs."""
    if not temporal_calls.PROJECT_ID.match(project_id):
        return False
    target = temporal_calls.project(client, project_id)
    forgotten = LeadForgotten(email_hash=email_hash)
    return await temporal_calls.signal(target, ProjectWorkflow.forget_lead, forgotten, must_reach=True)


async def forget_application(client: Client, year: int, application_id: str) -> bool:
    """The year's programme forgets an application not yet placed."""
    target = temporal_calls.programme(client, year)
    forgotten = ApplicationForgotten(application_id=application_id)
    return await temporal_calls.signal(target, ExchangeProgrammeWorkflow.forget_application, forgotten, must_reach=True)


async def forget_programme_lead(client: Client, year: int, email_hash: str) -> bool:
    """The year's programme forgets its lead if `email_hash` is theirs."""
    target = temporal_calls.programme(client, year)
    forgotten = LeadForgotten(email_hash=email_hash)
    return await temporal_calls.signal(target, ExchangeProgrammeWorkflow.forget_lead, forgotten, must_reach=True)
