"""The Temporal Schedules Engage writes: `exchange-yearly` (the API, which starts the launcher workflow)
and `engage-retention` (the worker at start-up, api/retention/schedule.py).

Split from `api.temporal_calls` by concern, with the same rule: no module but these two calls Temporal,
and a NOT_FOUND is answered as the caller's `unknown` (404), any other failure by `api.errors`' one
mapping. Schedule calls need no worker (the server keeps schedules), so they are not bounded like updates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleDescription,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError

from api.errors import ApiError
from api.temporal_refusals import is_not_found


async def save_schedule(client: Client, schedule_id: str, schedule: Schedule, *, keep_state: bool = False) -> bool:
    """Create the schedule, or replace its spec and action; True when it was created.

    `keep_state`: an existing schedule keeps its state (an operator's pause and note), for a schedule
    written again at every start-up that must not undo `temporal schedule toggle --pause`."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:
        pass

    def replace(current: ScheduleUpdateInput) -> ScheduleUpdate:
        if keep_state:
            return ScheduleUpdate(schedule=dataclasses.replace(schedule, state=current.description.schedule.state))
        return ScheduleUpdate(schedule=schedule)

    await client.get_schedule_handle(schedule_id).update(replace)
    return False


async def describe_schedule(client: Client, schedule_id: str, unknown: Callable[[], ApiError]) -> ScheduleDescription:
    """The schedule as Temporal holds it; `unknown()` is raised when there is none."""
    try:
        return await client.get_schedule_handle(schedule_id).describe()
    except RPCError as err:
        if is_not_found(err):
            raise unknown() from None
        raise


async def delete_schedule(client: Client, schedule_id: str, unknown: Callable[[], ApiError]) -> None:
    """Delete the schedule (runs it already started go on); `unknown()` when there is none."""
    await describe_schedule(client, schedule_id, unknown)
    await client.get_schedule_handle(schedule_id).delete()
