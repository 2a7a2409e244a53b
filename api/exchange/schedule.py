"""The yearly Temporal Schedule (`exchange-yearly`) that opens each year's Knowledge Exchange.

Once a year, on a calendar day at midnight UTC, the schedule starts ExchangeLauncherWorkflow with the
plan; the launcher opens `exchange/{year}` for the year it fires in (and does nothing if that year is
already open, e.g. staff opened it by hand). The plan pins the placement template's latest version
at the moment the schedule is written, so a later template change reaches next year's programme
only when staff save the schedule again.

Overlap SKIP and a catch-up window of a week: a Temporal outage over the day still opens the year
once it is back, and a re-fired action never runs two launchers at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleDescription,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)

from api import temporal_schedules
from api.auth import Principal, audit_trail
from api.errors import ApiError, not_found
from api.exchange.errors import SCHEDULE_NOT_FOUND
from api.exchange.schemas import ScheduleCreate, SchedulePublic
from domain.exchange import ExchangeYearPlan
from domain.templates import TemplateCatalog
from workflows.exchange import ExchangeLauncherWorkflow

SCHEDULE_ID = "exchange-yearly"
#: The launcher's workflow id; the schedule appends the fire time to it.
LAUNCHER_ID = "exchange-launch"
PLACEMENT_TEMPLATE = "knowledge-exchange-placement"


def _plan(body: ScheduleCreate, catalog: TemplateCatalog) -> ExchangeYearPlan:
    template = catalog.latest(PLACEMENT_TEMPLATE)
    if template is None:
        raise RuntimeError(f"the {PLACEMENT_TEMPLATE} template is not shipped")
    return ExchangeYearPlan(
        partner_ids=tuple(body.partner_ids),
        confirm_within=body.confirm_within,
        applications_open_after=body.applications_open_after,
        applications_close_after=body.applications_close_after,
        placements_start_after=body.placements_start_after,
        placements_end_after=body.placements_end_after,
        budget=body.budget,
        lead=body.lead,
        placement_template=template,
    )


def _schedule(body: ScheduleCreate, plan: ExchangeYearPlan, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(ExchangeLauncherWorkflow.run, plan, id=LAUNCHER_ID, task_queue=task_queue),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(month=(ScheduleRange(body.month),), day_of_month=(ScheduleRange(body.day),))
            ],
            time_zone_name="UTC",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=7)),
        state=ScheduleState(note="Opens each year's Knowledge Exchange programme (Engage)."),
    )


def _unknown() -> ApiError:
    return not_found(SCHEDULE_NOT_FOUND)


async def _audited(sessionmaker: async_sessionmaker[AsyncSession], by: Principal, action: str) -> None:
    """The audit entry for a change Temporal has just made: a schedule is no database row, so the entry
    follows the change it records (committed once Temporal has it, never for a refused one)."""
    async with sessionmaker.begin() as session:
        await audit_trail(session, by, action, SCHEDULE_ID, datetime.now(UTC))


async def save_schedule(
    body: ScheduleCreate,
    *,
    client: Client,
    catalog: TemplateCatalog,
    task_queue: str,
    by: Principal,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> bool:
    """Create the schedule, or replace its spec and plan; True when it was created. Audited."""
    schedule = _schedule(body, _plan(body, catalog), task_queue)
    created = await temporal_schedules.save_schedule(client, SCHEDULE_ID, schedule)
    await _audited(sessionmaker, by, "schedule_saved")
    return created


@dataclass(frozen=True)
class _Day:
    month: int
    day: int


def _day(description: ScheduleDescription) -> _Day:
    calendar = description.schedule.spec.calendars[0]
    return _Day(calendar.month[0].start, calendar.day_of_month[0].start)


async def read_schedule(client: Client) -> SchedulePublic:
    description = await temporal_schedules.describe_schedule(client, SCHEDULE_ID, _unknown)
    action = description.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    [plan] = await client.data_converter.decode(list(action.args), [ExchangeYearPlan])
    assert isinstance(plan, ExchangeYearPlan)
    day = _day(description)
    return SchedulePublic(
        id=SCHEDULE_ID,
        month=day.month,
        day=day.day,
        paused=description.schedule.state.paused,
        partner_ids=list(plan.partner_ids),
        confirm_within=plan.confirm_within,
        applications_open_after=plan.applications_open_after,
        applications_close_after=plan.applications_close_after,
        placements_start_after=plan.placements_start_after,
        placements_end_after=plan.placements_end_after,
        budget=plan.budget,
        lead=plan.lead,
        placement_template=plan.placement_template.ref,
        next_runs=list(description.info.next_action_times),
        recent_runs=[getattr(r.action, "workflow_id", "") for r in description.info.recent_actions],
    )


async def delete_schedule(client: Client, *, by: Principal, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Remove the schedule (404 when there is none); audited."""
    await temporal_schedules.delete_schedule(client, SCHEDULE_ID, _unknown)
    await _audited(sessionmaker, by, "schedule_deleted")
