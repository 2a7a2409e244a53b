"""Helpers for workflow tests: stand-in activities under the real names, a worker, a project starter.

Stand-ins let workflow-logic tests see exactly which batches were recorded and force failures;
the real activities are exercised by tests/workflows/test_real_activities.py and tests/api.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.worker import Worker

from domain.durations import IsoDuration
from domain.events import DomainEvent, EmailDelivery, EventType, ProjectChanges, RecordResult
from domain.exchange import ApplicantsToTell, ApplicationsToAcknowledge, ExchangeChanges, PlacementRegistration
from domain.follow_up import PlanRequest, WaveCounts, WavePlans, WaveReport, WaveTask, plan_waves
from domain.lifecycle import Audience, LifecycleTemplate, Party
from domain.state import ProjectInput, ProjectState
from domain.submissions import Actor, Person
from domain.templates import TemplateCatalog
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow
from workflows.registry import WORKFLOWS, sandbox_runner

CATALOG = TemplateCatalog.load_shipped()
PARTNER_ID = "p-community-archive"
PARTNER = Actor(party=Party.PARTNER, partner_id=PARTNER_ID, label="partner")
STAFF = Actor(party=Party.STAFF, label="staff")


def _when(task: WaveTask) -> datetime:
    """The workflow's time when it asked for this wave step (a local activity's scheduled time is
    the wall clock, not the skipped time)."""
    return task.now or activity.info().current_attempt_scheduled_time


class RecordedActivities:
    """Stand-ins for record_project_changes / deliver_emails that keep what they were given."""

    def __init__(self) -> None:
        self.batches: list[ProjectChanges] = []
        self.fail_next: int = 0
        self.wave_calls: list[tuple[str, int, int, datetime]] = []
        self.exchange_batches: list[ExchangeChanges] = []
        self.registered: list[PlacementRegistration] = []
        self.told: list[ApplicantsToTell] = []
        self.acknowledged: list[str] = []

    @activity.defn(name="record_project_changes")
    async def record_project_changes(self, changes: ProjectChanges) -> RecordResult:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise RuntimeError("database unavailable (forced by the test)")
        self.batches.append(changes)
        return RecordResult(events_written=len(changes.events), emails_queued=0, deliver=False)

    @activity.defn(name="deliver_emails")
    async def deliver_emails(self, delivery: EmailDelivery) -> None:
        return None

    # -- follow-up survey stand-ins: `respondents` people, none of whom answers unless told ----

    respondents: int = 3
    answered: int = 0

    @activity.defn(name="plan_follow_up_waves")
    async def plan_follow_up_waves(self, request: PlanRequest) -> WavePlans:
        return WavePlans(plans=tuple(plan_waves(request)))  # the real, pure planner

    def _report(self, task: WaveTask, reminded: int = 0) -> WaveReport:
        counts = WaveCounts(invited=self.respondents, answered=self.answered, reminded=reminded)
        return WaveReport(counts=counts, delivery_key=f"followup/{task.project_id}:w{task.plan.index}")

    @activity.defn(name="open_survey_wave")
    async def open_survey_wave(self, task: WaveTask) -> WaveReport:
        self.wave_calls.append(("open", task.plan.index, task.round, _when(task)))
        return self._report(task)

    @activity.defn(name="remind_survey_wave")
    async def remind_survey_wave(self, task: WaveTask) -> WaveReport:
        self.wave_calls.append(("remind", task.plan.index, task.round, _when(task)))
        return self._report(task, reminded=self.respondents - self.answered)

    @activity.defn(name="close_survey_wave")
    async def close_survey_wave(self, task: WaveTask) -> WaveReport:
        self.wave_calls.append(("close", task.plan.index, task.round, _when(task)))
        return self._report(task)

    # -- Knowledge Exchange stand-ins ----------------------------------------------------------

    @activity.defn(name="record_exchange_changes")
    async def record_exchange_changes(self, changes: ExchangeChanges) -> None:
        self.exchange_batches.append(changes)

    @activity.defn(name="register_placement")
    async def register_placement(self, registration: PlacementRegistration) -> None:
        self.registered.append(registration)

    @activity.defn(name="notify_unsuccessful_applicants")
    async def notify_unsuccessful_applicants(self, applicants: ApplicantsToTell) -> RecordResult:
        self.told.append(applicants)
        return RecordResult(emails_queued=0)

    @activity.defn(name="acknowledge_applications")
    async def acknowledge_applications(self, applications: ApplicationsToAcknowledge) -> RecordResult:
        self.acknowledged.extend(applications.application_ids)
        return RecordResult(emails_queued=len(applications.application_ids))

    def exchange_events(self) -> list[str]:
        seen = {e.seq: e.type for b in self.exchange_batches for e in b.events}
        return [seen[k] for k in sorted(seen)]

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.record_exchange_changes,
            self.register_placement,
            self.notify_unsuccessful_applicants,
            self.acknowledge_applications,
            self.record_project_changes,
            self.deliver_emails,
            self.plan_follow_up_waves,
            self.open_survey_wave,
            self.remind_survey_wave,
            self.close_survey_wave,
        ]

    def events(self, project_id: str | None = None) -> list[DomainEvent]:
        seen: dict[tuple[str, int], DomainEvent] = {}
        for batch in self.batches:
            for recorded in batch.events:
                e = recorded.event
                if project_id is None or e.project_id == project_id:
                    seen[(e.project_id, e.seq)] = e
        return [seen[k] for k in sorted(seen)]

    def types(self, project_id: str | None = None) -> list[EventType]:
        return [e.type for e in self.events(project_id)]

    def notified(self, project_id: str, event_type: EventType) -> list[tuple[Audience, ...]]:
        return [
            r.notify
            for b in self.batches
            for r in b.events
            if r.event.project_id == project_id and r.event.type is event_type
        ]


@asynccontextmanager
async def stand_in_worker(client: Client, task_queue: str, recorded: RecordedActivities) -> AsyncIterator[Worker]:
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=recorded.all(),
        workflow_runner=sandbox_runner(strict=True),
    )
    async with worker:
        try:
            yield worker
        finally:
            await terminate_started()


#: Workflows started by the current test. The time-skipping server will not skip time while
#: any workflow has a task nobody polls, so each test terminates what it left running.
_STARTED: list[WorkflowHandle[Any, Any]] = []


async def terminate_started() -> None:
    while _STARTED:
        handle = _STARTED.pop()
        with contextlib.suppress(RPCError):
            await handle.terminate("test finished")


def project_input(
    template: LifecycleTemplate,
    created_at: datetime,
    *,
    project_id: str | None = None,
    max_history_events: int = 10_000,
    follow_up_schedule: tuple[str, ...] = (),
    created_by: Actor | None = None,
) -> ProjectInput:
    return ProjectInput(
        project_id=project_id or uuid.uuid4().hex,
        template=template,
        title="Voices of the Docks",
        summary="Oral histories and objects from the dockside community.",
        lead=Person(name="Lead Curator", email="lead@museum.example"),
        partner_ids=(PARTNER_ID,),
        follow_up_schedule=tuple(IsoDuration(o) for o in follow_up_schedule),
        created_at=created_at,
        max_history_events=max_history_events,
        created_by=created_by,
    )


async def start_project(
    client: Client, task_queue: str, template_name: str, now: datetime, **kwargs: object
) -> WorkflowHandle[ProjectWorkflow, ProjectState]:
    template = CATALOG.latest(template_name)
    assert template is not None
    start = project_input(template, now, **kwargs)  # type: ignore[arg-type]
    handle = await client.start_workflow(
        ProjectWorkflow.run, start, id=project_workflow_id(start.project_id), task_queue=task_queue
    )
    _STARTED.append(handle)
    return handle


def after(now: datetime, **delta: float) -> datetime:
    return now + timedelta(**delta)


def refusal(err: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> tuple[str | None, dict[str, str]]:
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.type, cause.details[0]
