"""Erasure and continue-as-new (issue 14): a project that forgot its lead starts its next run from the
placeholder, in its start input as well as its carried state, even when the signal lands while the run
flushes before continuing (kit.continue_as_new reads the input after the flush). Time-skipping server,
stand-in activities.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.erasure import ERASED_PERSON, LeadForgotten, email_hash
from domain.events import EmailDelivery, ProjectChanges, RecordResult
from domain.lifecycle import Stage
from domain.state import ProjectInput
from tests.workflows.driving import status, wait_for
from tests.workflows.support import RecordedActivities, stand_in_worker, start_project
from tests.workflows.test_project_dates import reach_workshops
from workflows.project import ProjectWorkflow

LEAD_ADDRESS = "lead@museum.example"  # tests.workflows.support.project_input's lead


async def test_a_project_that_continues_as_new_after_forgetting_starts_its_next_run_without_the_lead(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(
            env.client, task_queue, "co-curation", await env.get_current_time(), max_history_events=50
        )
        await handle.signal(ProjectWorkflow.forget_lead, LeadForgotten(email_hash=email_hash(LEAD_ADDRESS)))
        await wait_for(handle, lambda s: s.lead == ERASED_PERSON)
        await reach_workshops(handle)
        await env.sleep(timedelta(days=2))
        state = await status(handle)
        latest = env.client.get_workflow_handle(handle.id)
        description = await latest.describe()
        started = await anext(aiter(latest.fetch_history_events()))
        payloads = list(started.workflow_execution_started_event_attributes.input.payloads)
        [next_input] = await env.client.data_converter.decode(payloads, [ProjectInput])

    assert description.run_id != handle.first_execution_run_id, "the run continued as new"
    assert isinstance(next_input, ProjectInput) and next_input.carried_state is not None
    assert next_input.lead == ERASED_PERSON and next_input.carried_state.lead == ERASED_PERSON
    assert state.lead == ERASED_PERSON and state.stage is Stage.WORKSHOPS


class SlowDeliveries(RecordedActivities):
    """Stand-ins whose e-mail delivery waits until the test lets it finish: a run about to continue as
    new then sits in its flush (kit.continue_as_new awaits every delivery), where a signal can land."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    @activity.defn(name="record_project_changes")
    async def record_project_changes(self, changes: ProjectChanges) -> RecordResult:
        self.batches.append(changes)
        return RecordResult(events_written=len(changes.events), deliver=any(r.notify for r in changes.events))

    @activity.defn(name="deliver_emails")
    async def deliver_emails(self, delivery: EmailDelivery) -> None:
        await self.release.wait()


async def test_a_lead_forgotten_while_the_run_flushes_before_continuing_is_not_carried_into_the_next(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    slow = SlowDeliveries()
    async with stand_in_worker(env.client, task_queue, slow):
        handle = await start_project(
            env.client, task_queue, "co-curation", await env.get_current_time(), max_history_events=50
        )
        await reach_workshops(handle)
        await _flushing_before_continuing(handle, max_history_events=50)
        await handle.signal(ProjectWorkflow.forget_lead, LeadForgotten(email_hash=email_hash(LEAD_ADDRESS)))
        slow.release.set()
        latest = env.client.get_workflow_handle(handle.id)
        for _ in range(200):
            description = await latest.describe()
            if description.run_id != handle.first_execution_run_id:
                break
            await asyncio.sleep(0.02)
        started = await anext(aiter(latest.fetch_history_events()))
        payloads = list(started.workflow_execution_started_event_attributes.input.payloads)
        [next_input] = await env.client.data_converter.decode(payloads, [ProjectInput])

    assert description.run_id != handle.first_execution_run_id, "the run continued as new"
    assert isinstance(next_input, ProjectInput) and next_input.carried_state is not None
    assert next_input.lead == ERASED_PERSON and next_input.carried_state.lead == ERASED_PERSON


async def _flushing_before_continuing(handle: WorkflowHandle[Any, Any], max_history_events: int) -> None:
    """Wait until the run's history is past its cap and only e-mail deliveries are pending: it has then
    decided to continue as new and waits in its flush for them."""
    for _ in range(500):
        history = await handle.fetch_history()
        pending = (await handle.describe()).raw_description.pending_activities
        if len(history.events) >= max_history_events and {a.activity_type.name for a in pending} == {"deliver_emails"}:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the run never reached its flush")
