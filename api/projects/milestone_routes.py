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
from temporalio.client import WorkflowUpdateFailedError

from api.deps import IdempotencyKeyDep, PrincipalDep, SessionmakerDep, StaffDep, TemporalDep
from api.errors import ApiError, error_responses
from api.projects import updates
from api.projects.schemas import MilestonePublic, ReviewCreate, SubmissionCreate
from api.projects.views import milestone_public
from api.temporal_calls import require_visible
from domain.state import MilestoneState

router = APIRouter(prefix="/api/v1/projects/{project_id}/milestones", tags=["milestones"])

MilestoneKey = Annotated[str, Path(min_length=1, max_length=64)]


def _answer(milestone: MilestoneState) -> MilestonePublic:
    return milestone_public(milestone, datetime.now(UTC))


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
    try:
        milestone = await updates.submit_milestone(
            client, sessionmaker, project_id, milestone_key, body, principal, idempotency_key
        )
    except (WorkflowUpdateFailedError, ApiError):
        # 👉 Visibility is checked only when the answer is not a success: the validator accepts a
        # partner's submission only from a partner of the project, so an accepted one proves it and
        # costs no extra query (a query first doubled this request's time). A refusal, an unknown or
        # an ended project is still answered 404 to a partner who may not see the project.
        await require_visible(client, sessionmaker, project_id, principal)
        raise
    return _answer(milestone)


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
    milestone = await updates.review_milestone(client, project_id, milestone_key, body, principal, idempotency_key)
    return _answer(milestone)
