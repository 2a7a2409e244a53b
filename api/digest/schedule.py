"""The weekly Temporal Schedule (`engage-weekly-digest`) that runs WeeklyDigestWorkflow.

Written by every worker at start-up (worker.py), like the retention schedule (api/retention/schedule.py)
and by the same idempotent call: created when missing, otherwise its spec, action and policy replaced
while its state is kept, so an operator's pause survives restarts.

When: every Monday at 07:00 Europe/London by default, before the week's work starts. Settings:
- `ENGAGE_DIGEST_CRON` (default `0 7 * * 1`: minute hour day-of-month month day-of-week), read in
- `ENGAGE_DIGEST_TIMEZONE` (default `Europe/London`; the server applies summer time), and
- `ENGAGE_DIGEST_ENABLED` (default true); false makes the worker delete the schedule at start-up, so
  turning the digest off is one setting and a restart.
Overlap SKIP: a run still retrying (database down) is never joined by a second. Catch-up window of a
day: a Temporal outage over Monday morning still sends that week's digest once it is back, never a
stale one days later.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from api import temporal_schedules
from api.errors import ApiError
from domain.digest import DEFAULT_DIGEST_TIMEZONE
from workflows.naming import DIGEST_SCHEDULE_ID, DIGEST_WORKFLOW_ID, WEEKLY_DIGEST_WORKFLOW

DEFAULT_DIGEST_CRON = "0 7 * * 1"


class _NoSchedule(ApiError):
    """There was no digest schedule to delete (the digest was already off)."""

    def __init__(self) -> None:
        super().__init__(404, "no digest schedule")


class DigestSettings(BaseSettings):
    """When the weekly digest goes out, and whether it does (read by the worker at start-up)."""

    # 👉 Aliases are the variables' full names, so a refusal names the variable to fix.
    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    enabled: bool = Field(default=True, validation_alias="ENGAGE_DIGEST_ENABLED")
    cron: str = Field(
        default=DEFAULT_DIGEST_CRON,
        validation_alias="ENGAGE_DIGEST_CRON",
        description="Five cron fields, in `timezone`.",
    )
    timezone: str = Field(default=DEFAULT_DIGEST_TIMEZONE, validation_alias="ENGAGE_DIGEST_TIMEZONE")

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, cron: str) -> str:
        # 👉 A bad setting stops the worker at start, in words, not a week later.
        if len(cron.split()) != 5:
            raise ValueError(f"{cron!r} is not five cron fields: give e.g. '0 7 * * 1' (Mondays at 07:00)")
        return " ".join(cron.split())

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a time zone name such as Europe/London") from None
        return name


def digest_schedule(task_queue: str, settings: DigestSettings) -> Schedule:
    # By name, not `WeeklyDigestWorkflow.run`: see api/retention/schedule.py.
    return Schedule(
        action=ScheduleActionStartWorkflow(WEEKLY_DIGEST_WORKFLOW, id=DIGEST_WORKFLOW_ID, task_queue=task_queue),
        spec=ScheduleSpec(cron_expressions=[settings.cron], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
        state=ScheduleState(note="E-mails each staff member what waits on their projects, weekly (Engage)."),
    )


async def ensure_digest_schedule(client: Client, task_queue: str, settings: DigestSettings) -> bool | None:
    """Create the weekly schedule or bring it up to date (keeping a pause): True when created, False
    when updated; None when the digest is off (the schedule is then deleted if it was there)."""
    if not settings.enabled:
        with contextlib.suppress(_NoSchedule):
            await temporal_schedules.delete_schedule(client, DIGEST_SCHEDULE_ID, _NoSchedule)
        return None
    return await temporal_schedules.save_schedule(
        client, DIGEST_SCHEDULE_ID, digest_schedule(task_queue, settings), keep_state=True
    )
