"""The yearly schedule that opens each year's Knowledge Exchange (staff and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from api.access import access
from api.auth import Principal
from api.deps import CatalogDep, SessionmakerDep, SettingsDep, TemporalDep
from api.errors import error_responses
from api.exchange import schedule as service
from api.exchange.schemas import ScheduleCreate, SchedulePublic

router = APIRouter(prefix="/api/v1/exchange/schedule", tags=["exchange"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 422, 503) | {200: {"description": "The schedule was updated."}},
)
async def save_schedule(
    body: ScheduleCreate,
    response: Response,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    sessionmaker: SessionmakerDep,
) -> SchedulePublic:
    """Create (201) or replace (200) the yearly schedule: a calendar day and the year's plan."""
    created = await service.save_schedule(
        body,
        client=client,
        catalog=catalog,
        task_queue=settings.task_queue,
        by=principal,
        sessionmaker=sessionmaker,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return await service.read_schedule(client)


@router.get("", responses=error_responses(401, 403, 404, 503))
async def read_schedule(principal: Annotated[Principal, access("staff")], client: TemporalDep) -> SchedulePublic:
    """The yearly schedule: its day, plan, next and recent runs."""
    return await service.read_schedule(client)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403, 404, 503))
async def delete_schedule(
    principal: Annotated[Principal, access("staff")], client: TemporalDep, sessionmaker: SessionmakerDep
) -> None:
    """Remove the yearly schedule (programmes it opened keep running)."""
    await service.delete_schedule(client, by=principal, sessionmaker=sessionmaker)
