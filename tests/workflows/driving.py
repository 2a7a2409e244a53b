"""Drive a ProjectWorkflow through its stages as staff and partners would, in skipped time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import LifecycleTemplate, Party, Stage
from domain.state import MilestoneState, ProjectState
from domain.submissions import (
    Attendance,
    Decision,
    DisplayPlan,
    MilestoneSubmission,
    ReviewDecision,
    WorkshopSession,
)
from tests.workflows.support import PARTNER, STAFF
from workflows.project import ProjectWorkflow

Handle = WorkflowHandle[ProjectWorkflow, ProjectState]


def milestone(state: ProjectState, key: str) -> MilestoneState:
    """`state.milestone(key)`, failing the test when the project has no such milestone (typed: never None)."""
    found = state.milestone(key)
    assert found is not None, f"no milestone {key!r}"
    return found


async def status(handle: Handle) -> ProjectState:
    return await handle.query(ProjectWorkflow.status)


async def wait_for(handle: Handle, predicate: object, attempts: int = 200) -> ProjectState:
    """Query until `predicate(state)` holds: the run loop acts in the task after an update."""
    for _ in range(attempts):
        state = await status(handle)
        if predicate(state):  # type: ignore[operator]
            return state
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition never held; last state stage={state.stage}")


async def wait_for_stage(handle: Handle, stage: Stage) -> ProjectState:
    return await wait_for(handle, lambda s: s.stage is stage)


async def submit(
    handle: Handle, key: str, party: Party, summary: str = "Here it is.", partner_id: str | None = None
) -> None:
    actor = PARTNER if party is Party.PARTNER else STAFF
    if partner_id is not None and party is Party.PARTNER:
        actor = actor.model_copy(update={"partner_id": partner_id})
    sub = MilestoneSubmission(milestone_key=key, actor=actor, summary=summary, links=("https://example.org/doc",))
    await handle.execute_update(ProjectWorkflow.submit_milestone, sub)


async def review(handle: Handle, key: str, decision: Decision = Decision.ACCEPT, note: str = "") -> None:
    await handle.execute_update(
        ProjectWorkflow.review_milestone, ReviewDecision(milestone_key=key, decision=decision, note=note, actor=STAFF)
    )


async def complete_stage(env: WorkflowEnvironment, handle: Handle, template: LifecycleTemplate) -> Stage:
    """Do everything the current stage asks, then return the stage the project moved to."""
    state = await status(handle)
    stage = state.stage
    stage_template = template.stage(stage)
    assert stage_template is not None
    if stage_template.min_sessions:
        now = await env.get_current_time()
        for n in range(stage_template.min_sessions):
            session = WorkshopSession(
                title=f"Session {n + 1}",
                starts_at=now + timedelta(days=3, hours=n),
                ends_at=now + timedelta(days=3, hours=n + 1),
                place="Learning Centre",
                actor=STAFF,
            )
            await handle.execute_update(ProjectWorkflow.schedule_workshop, session)
        await env.sleep(timedelta(days=4))
        for workshop in (await status(handle)).workshops:
            await handle.execute_update(
                ProjectWorkflow.record_attendance,
                Attendance(workshop_id=workshop.id, attendance=12, feedback="Lively.", actor=STAFF),
            )
    for milestone in stage_template.milestones:
        if not milestone.required:
            continue
        await submit(handle, milestone.key, milestone.submitter, partner_id=state.partner_ids[0])
        if milestone.review_required:
            await review(handle, milestone.key)
    if stage_template.closes_with_display:
        now = await env.get_current_time()
        plan = DisplayPlan(
            title="Voices of the Docks",
            location="Gallery 3",
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=30),
            actor=STAFF,
        )
        await handle.execute_update(ProjectWorkflow.set_display, plan)
        await env.sleep(timedelta(days=31))
    moved = await wait_for(handle, lambda s: s.stage is not stage)
    return moved.stage
