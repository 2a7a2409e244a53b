"""A project's follow-up surveys for staff: the waves, moving them, the answers as CSV, outcomes over time.

Staff only; a partner key gets 404. See api.follow_up.service for where each figure comes from.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from api.access import access
from api.auth import Principal
from api.deps import (
    IdempotencyKeyDep,
    ServicesDep,
    SessionDep,
)
from api.errors import error_responses
from api.follow_up import service
from api.follow_up.respondents import project_survey
from api.follow_up.schemas import FollowUpPublic, FollowUpScheduleUpdate, OutcomesPublic
from api.local_time import ProjectZoneDep
from store.surveys import reads_reports as survey_reports

router = APIRouter(prefix="/api/v1/projects/{project_id}", tags=["follow-up"])


@router.get("/follow-up", responses=error_responses(401, 404, 503))
async def read_follow_up(
    project_id: str,
    principal: Annotated[Principal, access("survey_staff")],
    session: SessionDep,
    services: ServicesDep,
) -> FollowUpPublic:
    """The follow-up waves with dates, status and counts (`started: false` and the schedule before follow-up)."""
    await project_survey(services, session, project_id)
    return await service.read_follow_up(services.client, session, services.sessionmaker, project_id)


@router.put("/follow-up/schedule", responses=error_responses(401, 404, 409, 422, 503))
async def set_follow_up_schedule(
    project_id: str,
    body: FollowUpScheduleUpdate,
    principal: Annotated[Principal, access("survey_staff")],
    zone: ProjectZoneDep,  # 👉 an end date sent without an offset is read in the project's zone
    session: SessionDep,
    services: ServicesDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> FollowUpPublic:
    """Move the waves not yet sent (new offsets and/or a new end date); waves already sent stay."""
    await project_survey(services, session, project_id)
    return await service.set_schedule(services.client, session, project_id, body, principal, idempotency_key)


@router.get(
    "/responses.csv",
    response_class=Response,
    responses=error_responses(401, 404) | {200: {"content": {"text/csv": {}}, "description": "The answers."}},
)
async def export_responses(
    project_id: str,
    principal: Annotated[Principal, access("survey_staff")],
    session: SessionDep,
    services: ServicesDep,
) -> Response:
    """Every survey answer of the project as CSV, one line per response, without names or addresses."""
    found = await project_survey(services, session, project_id)
    text, filename = await service.export_responses(
        session, principal, project_id, found.instrument, services.instruments
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/outcomes", responses=error_responses(401, 404))
async def read_outcomes(
    project_id: str,
    principal: Annotated[Principal, access("survey_staff")],
    session: SessionDep,
    services: ServicesDep,
) -> OutcomesPublic:
    """Per outcome of the theory of change, per wave: responses and the mean of its Likert answers."""
    found = await project_survey(services, session, project_id)
    rows = await survey_reports.responses_for_csv(session, project_id)
    summaries = await survey_reports.wave_report(session, project_id)
    return service.outcomes_over_time(rows, summaries, found.instrument, services.instruments)
