"""Dates that drive a project: session reminders, display opening and closing, extensions,
recording that survives failures, and continue-as-new that keeps state."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from domain.events import EventType
from domain.lifecycle import Party, Stage
from domain.state import MilestoneStatus
from domain.submissions import Attendance, DisplayPlan, WorkshopSession
from tests.workflows.driving import Handle, review, status, submit, wait_for, wait_for_stage
from tests.workflows.support import STAFF, RecordedActivities, stand_in_worker, start_project
from workflows.project import ProjectWorkflow

PW = ProjectWorkflow

PROPOSAL_AND_PARTNERSHIP = [
    ("proposal", Party.PARTNER, True),
    ("partnership_agreement", Party.PARTNER, True),
    ("access_needs", Party.STAFF, False),
]


async def reach_workshops(handle: Handle) -> None:
    """Accepting the last milestone of a stage opens the next one within the same update."""
    for key, party, needs_review in PROPOSAL_AND_PARTNERSHIP:
        await submit(handle, key, party)
        if needs_review:
            await review(handle, key)
    assert (await status(handle)).stage is Stage.WORKSHOPS


async def test_partners_are_reminded_before_each_session_and_attendance_opens_the_gate(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await reach_workshops(handle)
        now = await env.get_current_time()
        session = WorkshopSession(
            title="Object handling",
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=5, hours=2),
            place="Study room",
            actor=STAFF,
        )
        workshop = await handle.execute_update(PW.schedule_workshop, session)
        await env.sleep(timedelta(days=3, hours=1))  # the co-curation template reminds 2 days before
        state = await wait_for(handle, lambda s: s.workshops[0].reminder_sent)
        assert state.workshops[0].attendance is None
        await env.sleep(timedelta(days=2))
        await handle.execute_update(
            PW.record_attendance, Attendance(workshop_id=workshop.id, attendance=9, feedback="Great", actor=STAFF)
        )
        await submit(handle, "object_selection", Party.PARTNER)
        await review(handle, "object_selection")
        state = await wait_for_stage(handle, Stage.DISPLAY)

    assert state.workshops[0].attendance == 9
    assert recorded.types(state.project_id).count(EventType.WORKSHOP_REMINDER) == 1
    assert recorded.notified(state.project_id, EventType.WORKSHOP_REMINDER) == [("partners",)]


async def test_extending_a_display_moves_its_closing_and_the_stage_closes_on_the_new_date(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await reach_workshops(handle)
        now = await env.get_current_time()
        await handle.execute_update(
            PW.schedule_workshop,
            WorkshopSession(title="S1", starts_at=now, ends_at=now + timedelta(hours=1), place="Hall", actor=STAFF),
        )
        await handle.execute_update(PW.record_attendance, Attendance(workshop_id="w1", attendance=5, actor=STAFF))
        await submit(handle, "object_selection", Party.PARTNER)
        await review(handle, "object_selection")
        await wait_for_stage(handle, Stage.DISPLAY)

        now = await env.get_current_time()
        plan = DisplayPlan(
            title="Voices",
            location="Gallery 3",
            opens_at=now + timedelta(days=2),
            closes_at=now + timedelta(days=20),
            actor=STAFF,
        )
        await handle.execute_update(PW.set_display, plan)
        await env.sleep(timedelta(days=10))
        opened = await wait_for(handle, lambda s: s.display is not None and s.display.opened)
        extended = plan.model_copy(update={"closes_at": now + timedelta(days=40)})
        display = await handle.execute_update(PW.set_display, extended)
        assert display.extensions == 1 and display.opened
        await env.sleep(timedelta(days=15))  # day 25: past the old closing date
        still_open = await status(handle)
        assert still_open.stage is Stage.DISPLAY, "the old closing timer must not close the display"
        await env.sleep(timedelta(days=16))  # day 41: past the new one
        closed = await wait_for_stage(handle, Stage.EVALUATION)

    assert opened.display is not None
    display_record = next(r for r in closed.stages if r.stage is Stage.DISPLAY)
    assert display_record.closed_at is not None and display_record.closed_at >= extended.closes_at
    lapsed = [m.key for m in closed.stage_milestones(Stage.DISPLAY) if m.status is MilestoneStatus.LAPSED]
    assert sorted(lapsed) == ["display_content", "installation", "labels"]
    types = recorded.types(closed.project_id)
    assert types.count(EventType.DISPLAY_OPENED) == 1 and types.count(EventType.DISPLAY_CLOSED) == 1


async def test_a_display_whose_closing_time_has_passed_closes_the_stage_at_once(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await reach_workshops(handle)
        now = await env.get_current_time()
        await handle.execute_update(
            PW.schedule_workshop,
            WorkshopSession(title="S1", starts_at=now, ends_at=now + timedelta(hours=1), place="Hall", actor=STAFF),
        )
        await handle.execute_update(PW.record_attendance, Attendance(workshop_id="w1", attendance=5, actor=STAFF))
        await submit(handle, "object_selection", Party.PARTNER)
        await review(handle, "object_selection")
        await wait_for_stage(handle, Stage.DISPLAY)
        past = DisplayPlan(
            title="Pop-up",
            location="Foyer",
            opens_at=now - timedelta(days=9),
            closes_at=now - timedelta(days=1),
            actor=STAFF,
        )
        await handle.execute_update(ProjectWorkflow.set_display, past)
        state = await wait_for_stage(handle, Stage.EVALUATION)
    assert state.display is not None and state.display.opened


async def test_recording_retries_through_failures_and_writes_every_event_once(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    recorded.fail_next = 3
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(env.client, task_queue, "co-curation", await env.get_current_time())
        await submit(handle, "proposal", Party.PARTNER)
        await review(handle, "proposal")
        await env.sleep(timedelta(minutes=1))  # skip the retry backoff (1 s, 2 s, 4 s)
        state = await wait_for(handle, lambda s: len(recorded.events(s.project_id)) == s.event_seq)
        assert state.stage is Stage.PARTNERSHIP

    assert recorded.fail_next == 0
    seqs = [e.seq for b in recorded.batches for r in b.events for e in [r.event]]
    assert sorted(seqs) == list(range(1, state.event_seq + 1)), "each event recorded exactly once"


async def test_a_long_history_continues_as_new_and_keeps_every_bit_of_state(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        handle = await start_project(
            env.client, task_queue, "co-curation", await env.get_current_time(), max_history_events=50
        )
        await reach_workshops(handle)
        await env.sleep(timedelta(days=2))
        state = await status(handle)
        description = await handle.describe()

    assert state.stage is Stage.WORKSHOPS
    assert description.run_id != handle.first_execution_run_id, "the run continued as new"
    assert next(m.status for m in state.stage_milestones(Stage.PROPOSAL)) is MilestoneStatus.ACCEPTED
    events = recorded.events(state.project_id)
    assert [e.seq for e in events] == list(range(1, state.event_seq + 1)), "no event lost or repeated"
