"""Issue 12 in ExchangeProgrammeWorkflow, under the time-skipping server with stand-in activities:
a placement moved after its project started tells that project, whose summary follows the new dates;
each application is acknowledged once (patches 12-placement-dates and 12-applicant-emails)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.exchange import (
    MUSEUM,
    ApplicationReceived,
    ExchangeState,
    PartnerConfirmation,
    PlacementDates,
)
from domain.lifecycle import Stage
from domain.state import ProjectState
from tests.workflows.driving import complete_stage, status, wait_for
from tests.workflows.support import _STARTED, CATALOG, STAFF, RecordedActivities, stand_in_worker
from tests.workflows.test_exchange import first_monday_after, open_programme, partner, place_p1s_pair
from workflows.exchange import ExchangeProgrammeWorkflow as Programme
from workflows.naming import project_workflow_id
from workflows.project import ProjectWorkflow

APPLICATIONS = (("out-p1", "p1"), ("host-p1", MUSEUM), ("extra", MUSEUM))
Placement = WorkflowHandle[ProjectWorkflow, ProjectState]


async def year_with_a_move(
    env: WorkflowEnvironment, task_queue: str, year: int
) -> tuple[WorkflowHandle[Programme, ExchangeState], Placement, str]:
    """One partner confirms (four lapse); three apply (one signal sent twice); both placements are
    matched and started; then staff move the first by a week. Returns the programme, the moved
    placement's project and the summary it should now have."""
    now = await env.get_current_time()
    programme = await open_programme(env.client, task_queue, now, year)
    await programme.execute_update(Programme.confirm_partner, PartnerConfirmation(partner_id="p1", actor=partner("p1")))
    await env.sleep(timedelta(days=11))
    for application_id, organisation in (*APPLICATIONS, APPLICATIONS[0]):  # a mended signal arrives twice
        await programme.signal(
            Programme.note_application, ApplicationReceived(application_id=application_id, organisation=organisation)
        )
    await env.sleep(timedelta(days=20))
    children: list[Placement] = await place_p1s_pair(env, programme, now)
    _STARTED.extend(children)
    for child in children:
        for _ in range(200):  # the programme starts children after registering them
            try:
                await status(child)
                break
            except Exception:
                await env.sleep(timedelta(seconds=1))
    moved_to = first_monday_after(now, 45) + timedelta(weeks=1)  # a week after place_p1s_pair's start
    first = (await programme.query(Programme.status)).placements[0]
    moved = await programme.execute_update(
        Programme.move_placement, PlacementDates(placement_id=first.id, starts_on=moved_to, actor=STAFF)
    )
    placement = moved.placements[0]
    expected = f"Five days, {moved_to.isoformat()} to {placement.ends_on.isoformat()}. Focus: to be agreed."
    return programme, children[0], expected


async def test_a_moved_placement_tells_its_project_and_each_applicant_is_acknowledged_once(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        programme, placement, expected = await year_with_a_move(env, task_queue, 2041)
        state = await wait_for(placement, lambda s: s.summary == expected)
        await env.sleep(timedelta(seconds=5))
        programme_state = await programme.query(Programme.status)

    rescheduled = [e for e in recorded.events(state.project_id) if e.type == "placement_rescheduled"]
    assert len(rescheduled) == 1 and f"Five days, {rescheduled[0].detail['starts_on']} to" in expected
    snapshots = [b.snapshot.summary for b in recorded.batches if b.snapshot.project_id == state.project_id]
    assert snapshots[-1] == expected, "the read model is given the new summary"
    assert sorted(recorded.acknowledged) == sorted(a for a, _ in APPLICATIONS), "each application once"
    assert programme_state.to_acknowledge == [] and programme_state.moved_untold == []


async def run_year_with_a_move(
    env: WorkflowEnvironment, task_queue: str
) -> tuple[WorkflowHandle[Programme, ExchangeState], Placement]:
    """`year_with_a_move`, then both placements run to the end and the programme closes. For histories."""
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    programme, moved, expected = await year_with_a_move(env, task_queue, 2035)
    await wait_for(moved, lambda s: s.summary == expected)
    state = await programme.query(Programme.status)
    for placement in state.placements:
        child = env.client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(placement.project_id))
        stage = Stage.PROPOSAL
        while stage is not Stage.FOLLOW_UP:
            stage = await complete_stage(env, child, template)
    await programme.result()
    return programme, moved
