"""Every input to a running project, written once: one function per Update, called by its JSON route
AND by the project page's form (api.projects.action_pages).

Each takes the request schema the route parses (the page builds the same schema from its form),
the principal and an idempotency key; it builds the domain payload with the caller as actor, and
runs the Update under the update id `api.temporal_calls.update_id` derives. So both surfaces send
the workflow the same input, its validator refuses both alike (an `ApiError`, mapped in
api.errors), and a retried request, from either, is applied once.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.workflow import UpdateMethodMultiParam

from api.access import sees_everything
from api.auth import Principal
from api.errors import IDEMPOTENCY_KEY_REUSED, ApiError
from api.projects.schemas import (
    AttendanceCreate,
    DisplayUpdate,
    ReviewCreate,
    StaffActionCreate,
    SubmissionCreate,
    WorkshopCancel,
    WorkshopCreate,
)
from api.temporal_calls import run_update, update_id
from domain.state import DisplayState, MilestoneState, ProjectState, WorkshopState
from domain.submissions import Actor, MilestoneSubmission, ReviewDecision, StaffAction
from store.partners import reads as partner_reads
from workflows.project import ProjectWorkflow

P = TypeVar("P")
R = TypeVar("R")

Decision = Literal["pause", "resume", "withdraw", "close"]

#: Whole-project decisions by the name their route, their form and their update ids use.
DECISIONS: dict[str, UpdateMethodMultiParam[[ProjectWorkflow, StaffAction], ProjectState]] = {
    "pause": ProjectWorkflow.pause,
    "resume": ProjectWorkflow.resume,
    "withdraw": ProjectWorkflow.withdraw,
    "close": ProjectWorkflow.close,
}


async def _run(
    client: Client,
    project_id: str,
    update: UpdateMethodMultiParam[[ProjectWorkflow, P], R],
    payload: P,
    name: str,
    principal: Principal,
    idempotency_key: str | None,
) -> R:
    """Run `update` with `payload`; `name` scopes the update id, so a retry is applied once."""
    return await run_update(client, project_id, update, payload, update_id=update_id(name, principal, idempotency_key))


def _same_milestone(milestone: MilestoneState, milestone_key: str) -> MilestoneState:
    if milestone.key != milestone_key:
        # The Idempotency-Key was first used for another milestone: this is not a retry of it.
        raise ApiError(status.HTTP_409_CONFLICT, IDEMPOTENCY_KEY_REUSED)
    return milestone


async def _acting_for(sessionmaker: async_sessionmaker[AsyncSession], staff: Actor, partner_id: str) -> Actor:
    """The staff actor, labelled for the timeline as acting for the partner (issue 12), e.g.
    "Curator on behalf of Quayside Archive". The workflow checks the partner belongs to the project."""
    async with sessionmaker() as session:
        partner = await partner_reads.get_partner(session, partner_id)
    prefix = f"{staff.label or 'staff'} on behalf of "
    name = partner.name if partner is not None else "a partner"
    return staff.model_copy(update={"label": (prefix + name)[:200]})


async def submit_milestone(
    client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    project_id: str,
    milestone_key: str,
    body: SubmissionCreate,
    principal: Principal,
    idempotency_key: str | None,
) -> MilestoneState:
    """Submit evidence for a milestone of the current stage (staff may submit a partner's for them)."""
    actor = principal.actor()
    if body.on_behalf_of is not None and sees_everything(principal):
        actor = await _acting_for(sessionmaker, actor, body.on_behalf_of)
    submission = MilestoneSubmission(
        milestone_key=milestone_key,
        actor=actor,
        summary=body.summary,
        links=tuple(str(link) for link in body.links),
        cost=body.cost,
        on_behalf_of=body.on_behalf_of,
    )
    milestone = await _run(
        client, project_id, ProjectWorkflow.submit_milestone, submission, "submit_milestone", principal, idempotency_key
    )
    return _same_milestone(milestone, milestone_key)


async def review_milestone(
    client: Client,
    project_id: str,
    milestone_key: str,
    body: ReviewCreate,
    principal: Principal,
    idempotency_key: str | None,
) -> MilestoneState:
    """Accept, return (with a note) or decline the latest submission of a milestone."""
    review = ReviewDecision(
        milestone_key=milestone_key, decision=body.decision, note=body.note, actor=principal.actor()
    )
    milestone = await _run(
        client, project_id, ProjectWorkflow.review_milestone, review, "review_milestone", principal, idempotency_key
    )
    return _same_milestone(milestone, milestone_key)


async def schedule_workshop(
    client: Client, project_id: str, body: WorkshopCreate, principal: Principal, idempotency_key: str | None
) -> WorkshopState:
    """Schedule a workshop session (during partnership or workshops)."""
    return await _run(
        client,
        project_id,
        ProjectWorkflow.schedule_workshop,
        body.session(principal.actor()),
        "schedule_workshop",
        principal,
        idempotency_key,
    )


async def record_attendance(
    client: Client,
    project_id: str,
    workshop_id: str,
    body: AttendanceCreate,
    principal: Principal,
    idempotency_key: str | None,
) -> WorkshopState:
    """Record how many came to a session that has started, and their feedback."""
    return await _run(
        client,
        project_id,
        ProjectWorkflow.record_attendance,
        body.record(workshop_id, principal.actor()),
        "record_attendance",
        principal,
        idempotency_key,
    )


async def cancel_workshop(
    client: Client,
    project_id: str,
    workshop_id: str,
    body: WorkshopCancel,
    principal: Principal,
    idempotency_key: str | None,
) -> WorkshopState:
    """Cancel a session that will not take place (not one whose attendance is recorded)."""
    return await _run(
        client,
        project_id,
        ProjectWorkflow.cancel_workshop,
        body.cancellation(workshop_id, principal.actor()),
        "cancel_workshop",
        principal,
        idempotency_key,
    )


async def set_display(
    client: Client, project_id: str, body: DisplayUpdate, principal: Principal, idempotency_key: str | None
) -> DisplayState:
    """Set or move the display's title, place and dates; a later closing date is an extension."""
    return await _run(
        client,
        project_id,
        ProjectWorkflow.set_display,
        body.plan(principal.actor()),
        "set_display",
        principal,
        idempotency_key,
    )


async def decide(
    client: Client,
    project_id: str,
    decision: Decision,
    body: StaffActionCreate | None,
    principal: Principal,
    idempotency_key: str | None,
) -> ProjectState:
    """Pause, resume, withdraw (a reason is required) or close the whole project."""
    action = StaffAction(actor=principal.actor(), reason=body.reason if body else "")
    return await _run(client, project_id, DECISIONS[decision], action, decision, principal, idempotency_key)
