"""Milestones of a project: partners and staff submit evidence; staff review it.

Both are Temporal Updates with validators: a refusal comes back at once with a field and a reason
(mapped in api.errors), and an accepted submission is durable before we answer. An
Idempotency-Key becomes the update id, so a retried submission is applied once and answered with
the same result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from api.access import access
from api.auth import Principal
from api.callers import Caller
from api.deps import IdempotencyKeyDep, ServicesDep, TemporalDep
from api.errors import error_responses
from api.files.submission_body import SUBMISSION_BODY, submission_input
from api.files.uploads import UNSUPPORTED_TYPE, submit_with_files
from api.projects import updates
from api.projects.input_schemas import ReviewCreate
from api.projects.outcomes import check_project_keys
from api.projects.schemas import MilestonePublic
from api.projects.views import milestone_public
from domain.state import MilestoneState

router = APIRouter(prefix="/api/v1/projects/{project_id}/milestones", tags=["milestones"])

MilestoneKey = Annotated[str, Path(min_length=1, max_length=64)]


def _answer(milestone: MilestoneState) -> MilestonePublic:
    return milestone_public(milestone, datetime.now(UTC))


@router.post(
    "/{milestone_key}/submissions",
    status_code=status.HTTP_201_CREATED,
    responses={
        **error_responses(401, 403, 404, 409, 413, 422, 503),
        415: {"description": f"{UNSUPPORTED_TYPE} The reason names the kind the content is."},
    },
    openapi_extra=SUBMISSION_BODY,
)
async def submit_milestone(
    request: Request,
    project_id: str,
    milestone_key: MilestoneKey,
    principal: Annotated[Principal, access("project_party")],
    client: TemporalDep,
    services: ServicesDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> MilestonePublic:
    """Submit evidence for a milestone of the current stage: JSON, or multipart with files (staff may submit a
    partner's for them)."""
    # 👉 A partner of another project never gets here (`project_party`: one read-model lookup, not a
    # workflow query); the workflow's validator checks the submitting party again itself.
    async with submission_input(request) as (body, files):
        await check_project_keys(services, project_id, body.outcome_ratings, "outcome_ratings")
        milestone = await submit_with_files(
            Caller(client, principal, idempotency_key),
            services.sessionmaker,
            services.settings,
            project_id,
            milestone_key,
            body,
            files,
        )
    return _answer(milestone)


@router.post("/{milestone_key}/review", responses=error_responses(401, 403, 404, 409, 422, 503))
async def review_milestone(
    project_id: str,
    milestone_key: MilestoneKey,
    body: ReviewCreate,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> MilestonePublic:
    """Accept, return (with a note) or decline the latest submission of a milestone."""
    milestone = await updates.review_milestone(
        Caller(client, principal, idempotency_key), project_id, milestone_key, body
    )
    return _answer(milestone)
