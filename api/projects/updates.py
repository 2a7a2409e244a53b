"""Every input to a running project, written once: one function per Update, called by its JSON route
AND by the project page's form (api.projects.action_pages).

Each takes the caller (api.callers.Caller: client, principal, Idempotency-Key), the project and the
request schema the route parses (the page builds the same schema from its form); it builds the domain
payload with the caller as actor and runs the Update under the caller's update id. So both surfaces
send the workflow the same input, its validator refuses both alike (an `ApiError`, mapped in
api.errors), and a retried request, from either, is applied once.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.workflow import UpdateMethodMultiParam

from api.access import sees_everything
from api.callers import Caller
from api.errors import IDEMPOTENCY_KEY_REUSED, UNKNOWN_PARTNER, ApiError, invalid
from api.projects import input_schemas
from api.projects.edit_schemas import ProjectEditRequest
from api.temporal_calls import run_update
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
    caller: Caller, project_id: str, update: UpdateMethodMultiParam[[ProjectWorkflow, P], R], payload: P, name: str
) -> R:
    """Run `update` with `payload`; `name` scopes the update id, so a retry is applied once."""
    return await run_update(caller.client, project_id, update, payload, update_id=caller.update_id(name))


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
    caller: Caller,
    sessionmaker: async_sessionmaker[AsyncSession],
    project_id: str,
    milestone_key: str,
    body: input_schemas.SubmissionCreate,
) -> MilestoneState:
    """Submit evidence for a milestone of the current stage (staff may submit a partner's for them)."""
    actor = caller.actor()
    if body.on_behalf_of is not None and sees_everything(caller.principal):
        actor = await _acting_for(sessionmaker, actor, body.on_behalf_of)
    submission = MilestoneSubmission(
        milestone_key=milestone_key,
        actor=actor,
        summary=body.summary,
        links=tuple(str(link) for link in body.links),
        cost=body.cost,
        on_behalf_of=body.on_behalf_of,
        outcome_ratings=body.outcome_ratings,
    )
    milestone = await _run(caller, project_id, ProjectWorkflow.submit_milestone, submission, "submit_milestone")
    return _same_milestone(milestone, milestone_key)


async def review_milestone(
    caller: Caller, project_id: str, milestone_key: str, body: input_schemas.ReviewCreate
) -> MilestoneState:
    """Accept, return (with a note) or decline the latest submission of a milestone."""
    review = ReviewDecision(milestone_key=milestone_key, decision=body.decision, note=body.note, actor=caller.actor())
    milestone = await _run(caller, project_id, ProjectWorkflow.review_milestone, review, "review_milestone")
    return _same_milestone(milestone, milestone_key)


async def schedule_workshop(caller: Caller, project_id: str, body: input_schemas.WorkshopCreate) -> WorkshopState:
    """Schedule a workshop session (during partnership or workshops)."""
    session = body.session(caller.actor())
    return await _run(caller, project_id, ProjectWorkflow.schedule_workshop, session, "schedule_workshop")


async def record_attendance(
    caller: Caller, project_id: str, workshop_id: str, body: input_schemas.AttendanceCreate
) -> WorkshopState:
    """Record how many came to a session that has started, and their feedback."""
    attendance = body.record(workshop_id, caller.actor())
    return await _run(caller, project_id, ProjectWorkflow.record_attendance, attendance, "record_attendance")


async def cancel_workshop(
    caller: Caller, project_id: str, workshop_id: str, body: input_schemas.WorkshopCancel
) -> WorkshopState:
    """Cancel a session that will not take place (not one whose attendance is recorded)."""
    cancellation = body.cancellation(workshop_id, caller.actor())
    return await _run(caller, project_id, ProjectWorkflow.cancel_workshop, cancellation, "cancel_workshop")


async def set_display(caller: Caller, project_id: str, body: input_schemas.DisplayUpdate) -> DisplayState:
    """Set or move the display's title, place and dates; a later closing date is an extension."""
    return await _run(caller, project_id, ProjectWorkflow.set_display, body.plan(caller.actor()), "set_display")


async def decide(
    caller: Caller, project_id: str, decision: Decision, body: input_schemas.StaffActionCreate | None
) -> ProjectState:
    """Pause, resume, withdraw (a reason is required) or close the whole project."""
    action = StaffAction(actor=caller.actor(), reason=body.reason if body else "")
    return await _run(caller, project_id, DECISIONS[decision], action, decision)


async def edit_project(
    caller: Caller, sessionmaker: async_sessionmaker[AsyncSession], project_id: str, body: ProjectEditRequest
) -> ProjectState:
    """Change the title, summary, lead or partners (issue 15); the workflow records who did it.

    Partner ids are checked to exist first (a 422 naming `partner_ids`, as when starting a project);
    whether partners may still change is the workflow's rule (a 409).
    """
    if body.partner_ids:
        async with sessionmaker() as session:
            missing = await partner_reads.missing_partner_ids(session, body.partner_ids)
        if missing:
            raise invalid("partner_ids", f"no partner has the id {missing[0]!r}", UNKNOWN_PARTNER)
    return await _run(caller, project_id, ProjectWorkflow.edit_project, body.edit(caller.actor()), "edit_project")
