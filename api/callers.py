"""Who sends an input to a workflow, and how: one small value the JSON routes and the pages both build
and hand to a feature's service function (api.projects.updates, api.exchange.programme_updates).

It carries the Temporal client, the principal (the actor named in the payload, so the workflow checks
the party itself) and the Idempotency-Key (a JSON request's header, a page form's nonce). The update
id is derived from it in one place, `api.temporal_calls.update_id`, scoped by update and caller, so a
retry from either surface is applied once and never answers someone else's request.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from api.auth import Principal
from api.temporal_calls import update_id
from domain.submissions import Actor


@dataclass(frozen=True)
class Caller:
    client: Client
    principal: Principal
    idempotency_key: str | None = None

    def actor(self) -> Actor:
        """The actor the workflow's validator checks."""
        return self.principal.actor()

    def update_id(self, update_name: str) -> str | None:
        """The update id for this request's Idempotency-Key (None: a fresh one per request)."""
        return update_id(update_name, self.principal, self.idempotency_key)
