"""Milestones of a project: partners and staff submit evidence; staff review it.

Both are Temporal Updates with validators: a refusal comes back at once with a field and a reason
(mapped in api.errors), and an accepted submission is durable before we answer. An
Idempotency-Key becomes the update id, so a retried submission is applied once and answered with
the same result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowUpdateFailedError

from api.deps import IdempotencyKeyDep, PrincipalDep, SessionmakerDep, StaffDep, TemporalDep
from api.errors import IDEMPOTENCY_KEY_REUSED, ApiError, error_responses
from api.projects.schemas import MilestonePublic, ReviewCreate, SubmissionCreate
from api.projects.views import milestone_public
from api.temporal_calls import require_visible, run_update, update_id
from domain.state import MilestoneState
from domain.submissions import Actor, MilestoneSubmission, ReviewDecision
from store.partners import reads as partner_reads
from workflows.project import ProjectWorkflow

router = APIRouter(prefix="/api/v1/projects/{project_id}/milestones", tags=["milestones"])

MilestoneKey = Annotated[str, Path(min_length=1, max_length=64)]


def _answer(milestone: MilestoneState, milestone_key: str) -> MilestonePublic:
    if milestone.key != milestone_key:
        # The Idempotency-Key was first used for another milestone: this is not a retry of it.
        raise ApiError(status.HTTP_409_CONFLICT, IDEMPOTENCY_KEY_REUSED)
    return milestone_public(milestone, datetime.now(UTC))


async def _acting_for(sessionmaker: async_sessionmaker[AsyncSession], staff: Actor, partner_id: str) -> Actor:
    """The staff actor, labelled for the timeline as acting for the partner (issue 12), e.g.
    "Curator on behalf of Quayside Archive". The workflow checks the partner belongs to the project."""
    async with sessionmaker() as session:
        partner = await partner_reads.get_partner(session, partner_id)
    prefix = f"{staff.label or 'staff'} on behalf of "
    name = partner.name if partner is not None else "a partner"
    return staff.model_copy(update={"label": (prefix + name)[:200]})


@router.post(
    "/{milestone_key}/submissions",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def submit_milestone(
    project_id: str,
    milestone_key: MilestoneKey,
    body: SubmissionCreate,
    principal: PrincipalDep,
    client: TemporalDep,
    sessionmaker: SessionmakerDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> MilestonePublic:
    """Submit evidence for a milestone of the current stage (staff may submit a partner's for them)."""
    actor = principal.actor()
    if body.on_behalf_of is not None and principal.is_staff:
        actor = await _acting_for(sessionmaker, actor, body.on_behalf_of)
    submission = MilestoneSubmission(
        milestone_key=milestone_key,
        actor=actor,
        summary=body.summary,
        links=tuple(str(link) for link in body.links),
        cost=body.cost,
        on_behalf_of=body.on_behalf_of,
    )
    try:
        milestone = await run_update(
            client,
            project_id,
            ProjectWorkflow.submit_milestone,
            submission,
            update_id=update_id("submit_milestone", principal, idempotency_key),
        )
    except (WorkflowUpdateFailedError, ApiError):
        # 👉 Visibility is checked only when the answer is not a success: the validator accepts a
        # partner's submission only from a partner of the project, so an accepted one proves it and
        # costs no extra query (a query first doubled this request's time). A refusal, an unknown or
        # an ended project is still answered 404 to a partner who may not see the project.
        await require_visible(client, sessionmaker, project_id, principal)
        raise
    return _answer(milestone, milestone_key)


@router.post("/{milestone_key}/review", responses=error_responses(401, 403, 404, 409, 422, 503))
async def review_milestone(
    project_id: str,
    milestone_key: MilestoneKey,
    body: ReviewCreate,
    principal: StaffDep,
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> MilestonePublic:
    """Accept, return (with a note) or decline the latest submission of a milestone."""
    review = ReviewDecision(
        milestone_key=milestone_key, decision=body.decision, note=body.note, actor=principal.actor()
    )
    milestone = await run_update(
        client,
        project_id,
        ProjectWorkflow.review_milestone,
        review,
        update_id=update_id("review_milestone", principal, idempotency_key),
    )
    return _answer(milestone, milestone_key)
