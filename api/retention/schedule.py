"""The daily Temporal Schedule (`engage-retention`) that runs RetentionWorkflow.

Written by every worker at start-up (worker.py), so a deployment has it without anyone asking, and a
new version's spec reaches it on the next deploy. Idempotent: created when missing, otherwise its spec,
action and policy replaced while its state is kept, so an operator's pause
(`temporal schedule toggle --schedule-id engage-retention --pause --reason ...`) survives restarts.

Every day at 03:00 UTC (a quiet hour for a UK museum). Overlap SKIP: a run still retrying (database
down) is never joined by a second. Catch-up window of a day: a Temporal outage over 03:00 still runs
that day's erasure once it is back; a longer one leaves it to the next day's run, which erases the
same rows (the cut-offs only move forward).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)

from api import temporal_schedules
from workflows.naming import RETENTION_SCHEDULE_ID, RETENTION_WORKFLOW, RETENTION_WORKFLOW_ID

#: When the daily run fires (UTC).
RUN_AT_HOUR = 3


def retention_schedule(task_queue: str) -> Schedule:
    # 👉 By name, not `RetentionWorkflow.run`: mypy 2.4 mis-infers every later `get_workflow_handle_for` in
    # the same run once a no-argument run method has gone through the client's overloads.
    return Schedule(
        action=ScheduleActionStartWorkflow(RETENTION_WORKFLOW, id=RETENTION_WORKFLOW_ID, task_queue=task_queue),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=(ScheduleRange(RUN_AT_HOUR),), minute=(ScheduleRange(0),))],
            time_zone_name="UTC",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
        state=ScheduleState(note="Erases personal data past its retention period, daily (Engage)."),
    )


async def ensure_retention_schedule(client: Client, task_queue: str) -> bool:
    """Create the daily schedule or bring it up to date (keeping a pause); True when created."""
    return await temporal_schedules.save_schedule(
        client, RETENTION_SCHEDULE_ID, retention_schedule(task_queue), keep_state=True
    )
