"""The Temporal plumbing every Engage workflow shares, written once (issue 13).

A newcomer learns these four pieces here and finds them used the same way in ProjectWorkflow,
FollowUpWorkflow and ExchangeProgrammeWorkflow (ExchangeLauncherWorkflow starts one child and
returns: it has no events, refusals or long history, so it needs none of them):

- Refusals: `refuse_unless(check)` runs a pure domain check (domain.rules, domain.exchange_rules,
  domain.follow_up) inside an Update validator and turns its `Refusal` into the ApplicationError the
  API maps once: `type` is the `RefusalKind` wire name, details are `{"field", "reason"}`.
- Continue-as-new when idle: `history_is_long(max_events)` asks the server's suggestion and our own
  cap; `continue_as_new(start, state, flush...)` waits for running handlers, flushes what is queued
  (events to record, e-mails in flight) in the order given, and carries the state into the next run.
- Delivery tasks: `Deliveries` starts e-mail delivery without waiting on SMTP and awaits it all
  before the run ends or continues as new; one failed address never stops a workflow.
- Event numbering: `next_seq(state)` gives the next gap-free `seq` of a workflow's timeline;
  `actor_label(actor)` is how an actor is written on it.

Each helper issues exactly the commands the per-workflow copies it replaced did, in the same order,
so every committed history replays unchanged (tests/replay).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, Protocol

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.events import EmailDelivery
    from domain.rules import Refusal
    from domain.submissions import Actor
    from workflows import activity_calls


# -- refusals ------------------------------------------------------------------------------------


def refuse_unless(check: Callable[[], None]) -> None:
    """Run a domain check; turn its Refusal into the typed ApplicationError the API understands."""
    try:
        check()
    except Refusal as refusal:
        raise ApplicationError(
            refusal.reason, {"field": refusal.field, "reason": refusal.reason}, type=refusal.kind.value
        ) from None


# -- continue-as-new -----------------------------------------------------------------------------


def history_is_long(max_events: int) -> bool:
    """Time to continue as new: the server suggests it, or the history reached our own cap
    (a run accepts at most 2,000 Updates, so we never wait for the server's much later limit)."""
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() >= max_events


async def continue_as_new(
    start: BaseModel | Callable[[], BaseModel], state: BaseModel, *flush: Callable[[], Awaitable[None]]
) -> NoReturn:
    """Let running handlers finish, flush what is queued, and start the next run with `state`
    carried in the start input's `carried_state` (every workflow input has one).

    `start` may be a callable, read only after the flush: a signal taken while it ran may have
    replaced the input (an erased lead, issue 14), and the next run must start from the new one.
    """
    await workflow.wait_condition(workflow.all_handlers_finished)
    for step in flush:
        await step()
    begin = start() if callable(start) else start
    workflow.continue_as_new(begin.model_copy(update={"carried_state": state}))


# -- delivery tasks ------------------------------------------------------------------------------


class Deliveries:
    """E-mail deliveries running beside the workflow: started at once, awaited only at the end.

    `what` names the mail in the warning logged when delivery gives up (the outbox keeps the
    message and its failure for staff to see).
    """

    def __init__(self, what: str = "e-mail") -> None:
        self._what = what
        self._running: list[asyncio.Task[None]] = []

    def start(self, event_ids: tuple[str, ...]) -> None:
        self._running.append(asyncio.create_task(self._deliver(event_ids)))
        self._running = [t for t in self._running if not t.done()]

    async def _deliver(self, event_ids: tuple[str, ...]) -> None:
        try:
            await activity_calls.deliver_emails(EmailDelivery(event_ids=event_ids))
        except ActivityError:
            workflow.logger.warning(f"{self._what} delivery gave up", extra={"event_ids": list(event_ids)})

    async def finish(self) -> None:
        if self._running:
            await asyncio.gather(*self._running)
            self._running = []


# -- event numbering -----------------------------------------------------------------------------


class Numbered(Protocol):
    """A workflow state whose timeline is numbered: `event_seq` is the last number given."""

    event_seq: int


def next_seq(state: Numbered) -> int:
    """Number the next event: gap-free and in order, carried across continue-as-new in the state."""
    state.event_seq += 1
    return state.event_seq


def actor_label(actor: Actor | None) -> str:
    """How an actor is written on a timeline: its label, else its party; `system` for the workflow."""
    return (actor.label or actor.party.value) if actor else "system"
