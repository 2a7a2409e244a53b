"""ExchangeProgrammeWorkflow: a whole Knowledge Exchange year in skipped time, with stand-in
activities (the real ones run in tests/api/test_exchange*.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.exchange import (
    MUSEUM,
    ApplicationReceived,
    Direction,
    ExchangeInput,
    ExchangeState,
    ExchangeYearPlan,
    MatchPlan,
    PartnerConfirmation,
    PartnerReplacement,
    PartnerSlot,
    PartnerStatus,
    Phase,
    PlacementDates,
    PlacementPlan,
    PlacementWindow,
    ProgrammeWindow,
    SelectionDecision,
    Shortlisting,
)
from domain.lifecycle import Party, Stage
from domain.rules import RefusalKind
from domain.state import ProjectState
from domain.submissions import Actor, Person
from tests.faults.support import eventually, settled
from tests.workflows.driving import complete_stage, status
from tests.workflows.support import _STARTED, CATALOG, STAFF, RecordedActivities, refusal, stand_in_worker
from workflows.exchange import ExchangeLauncherWorkflow as Launcher
from workflows.exchange import ExchangeProgrammeWorkflow as Programme
from workflows.naming import exchange_workflow_id, project_workflow_id
from workflows.project import ProjectWorkflow

PARTNERS = ("p1", "p2", "p3", "p4", "p5")


def partner(partner_id: str) -> Actor:
    return Actor(party=Party.PARTNER, partner_id=partner_id, label=partner_id)


def slot(state: ExchangeState, partner_id: str) -> PartnerSlot:
    """`state.slot(partner_id)`, failing the test when the programme has no such partner (typed: never None)."""
    found = state.slot(partner_id)
    assert found is not None, f"no partner {partner_id!r}"
    return found


def first_monday_after(moment: datetime, days: int) -> date:
    day = (moment + timedelta(days=days)).date()
    return day + timedelta(days=(7 - day.weekday()) % 7)


async def open_programme(
    client: Client,
    task_queue: str,
    now: datetime,
    year: int,
    max_history_events: int = 5_000,
    created_by: Actor | None = None,
) -> WorkflowHandle[Programme, ExchangeState]:
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    start = ExchangeInput(
        year=year,
        partner_ids=PARTNERS,
        confirm_by=now + timedelta(days=7),
        applications=ProgrammeWindow(opens_at=now + timedelta(days=10), closes_at=now + timedelta(days=30)),
        placements=PlacementWindow(
            starts_on=(now + timedelta(days=40)).date(), ends_on=(now + timedelta(days=150)).date()
        ),
        budget=20_000,
        lead=Person(name="Programme Lead", email="kx@museum.example"),
        placement_template=template,
        created_at=now,
        max_history_events=max_history_events,
        created_by=created_by,
    )
    handle = await client.start_workflow(Programme.run, start, id=exchange_workflow_id(year), task_queue=task_queue)
    _STARTED.append(handle)
    return handle


async def test_a_whole_year_five_partners_ten_placements_from_call_to_the_last_follow_up(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    recorded = RecordedActivities()
    async with stand_in_worker(env.client, task_queue, recorded):
        now = await env.get_current_time()
        programme = await open_programme(env.client, task_queue, now, 2031)
        for p in PARTNERS[:4]:  # p5 never confirms
            await programme.execute_update(
                Programme.confirm_partner, PartnerConfirmation(partner_id=p, actor=partner(p))
            )
        await env.sleep(timedelta(days=8))
        lapsed = await programme.query(Programme.status)
        assert slot(lapsed, "p5").status is PartnerStatus.LAPSED
        with pytest.raises(WorkflowUpdateFailedError) as late:
            await programme.execute_update(
                Programme.confirm_partner, PartnerConfirmation(partner_id="p5", actor=partner("p5"))
            )
        assert refusal(late)[0] == RefusalKind.OUT_OF_TURN
        await programme.execute_update(
            Programme.replace_partner, PartnerReplacement(partner_id="p5", replacement_partner_id="p6", actor=STAFF)
        )
        await programme.execute_update(
            Programme.confirm_partner, PartnerConfirmation(partner_id="p6", actor=partner("p6"))
        )
        confirmed = ["p1", "p2", "p3", "p4", "p6"]

        await env.sleep(timedelta(days=3))  # the call opens on day 10
        applications = {f"out-{p}": p for p in confirmed} | {f"host-{p}": MUSEUM for p in confirmed}
        applications |= {"extra-1": "p1", "extra-2": MUSEUM}
        for application_id, organisation in applications.items():
            await programme.signal(
                Programme.note_application,
                ApplicationReceived(application_id=application_id, organisation=organisation),
            )
        await env.sleep(timedelta(days=21))  # the call closes on day 30 by itself
        assert (await programme.query(Programme.status)).phase is Phase.SELECTION

        for application_id, organisation in applications.items():
            if not application_id.startswith("extra"):
                await programme.execute_update(
                    Programme.shortlist,
                    Shortlisting(application_id=application_id, organisation=organisation, actor=STAFF),
                )
        for p in confirmed:
            await programme.execute_update(
                Programme.select_applicants,
                SelectionDecision(
                    partner_id=p,
                    outgoing_application_id=f"out-{p}",
                    hosted_application_id=f"host-{p}",
                    actor=partner(p),
                ),
            )
        monday = first_monday_after(now, 45)
        plan = MatchPlan(
            placements=tuple(
                PlacementPlan(
                    partner_id=p, direction=d, starts_on=monday + timedelta(weeks=n), focus_areas=("collections care",)
                )
                for n, p in enumerate(confirmed)
                for d in Direction
            ),
            actor=STAFF,
        )
        matched = await programme.execute_update(Programme.match_placements, plan)
        assert len(matched.placements) == 10 and matched.phase is Phase.PLACEMENTS
        moved = await programme.execute_update(
            Programme.move_placement,
            PlacementDates(placement_id=matched.placements[0].id, starts_on=monday + timedelta(weeks=8), actor=STAFF),
        )
        assert moved.placements[0].starts_on == monday + timedelta(weeks=8)
        assert moved.placements[0].ends_on == monday + timedelta(weeks=8, days=4)

        children = [
            env.client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(p.project_id))
            for p in matched.placements
        ]
        _STARTED.extend(children)
        for child in children:
            for _ in range(200):  # the programme starts children after registering them
                try:
                    await status(child)
                    break
                except Exception:
                    await env.sleep(timedelta(seconds=1))
        for child in children:
            stage = Stage.PROPOSAL
            while stage is not Stage.FOLLOW_UP:
                stage = await complete_stage(env, child, template)
        final = await programme.result()  # two years of follow-up surveys pass here

    assert final.phase is Phase.CLOSED
    assert all(p.finished for p in final.placements)
    assert sorted(r.placement.partner_id for r in recorded.registered) == sorted(
        p for p in confirmed for _ in Direction
    )
    (told,) = recorded.told
    assert "extra-1" not in told.selected_application_ids and len(told.selected_application_ids) == 10
    events = recorded.exchange_events()
    for expected in (
        "partner_lapsed",
        "partner_replaced",
        "applications_opened",
        "applications_closed",
        "placement_moved",
        "unsuccessful_applicants_told",
        "programme_closed",
    ):
        assert expected in events
    assert events.count("placement_finished") == 10
    opens = [c for c in recorded.wave_calls if c[0] == "open"]
    assert len(opens) == 10 * 4, "each placement ran its evaluation survey and three follow-ups"


async def place_p1s_pair(
    env: WorkflowEnvironment, programme: WorkflowHandle[Programme, ExchangeState], now: datetime
) -> list[WorkflowHandle[ProjectWorkflow, ProjectState]]:
    """Shortlist and select partner p1's outgoing and hosted applicants, match both placements 45 days
    on, and return the placement projects the programme starts."""
    for application_id, organisation in (("out-p1", "p1"), ("host-p1", MUSEUM)):
        await programme.execute_update(
            Programme.shortlist, Shortlisting(application_id=application_id, organisation=organisation, actor=STAFF)
        )
    await programme.execute_update(
        Programme.select_applicants,
        SelectionDecision(
            partner_id="p1", outgoing_application_id="out-p1", hosted_application_id="host-p1", actor=partner("p1")
        ),
    )
    monday = first_monday_after(now, 45)
    plan = MatchPlan(
        placements=tuple(PlacementPlan(partner_id="p1", direction=d, starts_on=monday) for d in Direction), actor=STAFF
    )
    matched = await programme.execute_update(Programme.match_placements, plan)
    return [
        env.client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(p.project_id))
        for p in matched.placements
    ]


async def run_small_year(
    env: WorkflowEnvironment, task_queue: str
) -> tuple[WorkflowHandle[Programme, ExchangeState], WorkflowHandle[ProjectWorkflow, ProjectState]]:
    """One confirmed partner (four lapse), its two placements, run to the end. Used for histories."""
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    now = await env.get_current_time()
    programme = await open_programme(env.client, task_queue, now, 2032)
    await programme.execute_update(Programme.confirm_partner, PartnerConfirmation(partner_id="p1", actor=partner("p1")))
    await env.sleep(timedelta(days=11))
    for application_id, organisation in (("out-p1", "p1"), ("host-p1", MUSEUM), ("extra", MUSEUM)):
        await programme.signal(
            Programme.note_application, ApplicationReceived(application_id=application_id, organisation=organisation)
        )
    await env.sleep(timedelta(days=20))
    children = await place_p1s_pair(env, programme, now)
    _STARTED.extend(children)
    for child in children:
        for _ in range(200):
            try:
                await status(child)
                break
            except Exception:
                await env.sleep(timedelta(seconds=1))
        stage = Stage.PROPOSAL
        while stage is not Stage.FOLLOW_UP:
            stage = await complete_stage(env, child, template)
    await programme.result()
    return programme, children[0]


async def test_a_year_where_only_one_partner_confirms_still_runs_and_closes(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    recorded = RecordedActivities()
    async with stand_in_worker(time_skipping_env.client, task_queue, recorded):
        programme, placement = await run_small_year(time_skipping_env, task_queue)
        final = await programme.result()
        placement_final = await placement.result()
    assert final.phase is Phase.CLOSED
    assert [s.status for s in final.partners].count(PartnerStatus.LAPSED) == 4
    assert placement_final.stage is Stage.CLOSED
    assert recorded.told[0].selected_application_ids == ("host-p1", "out-p1")


def year_plan() -> ExchangeYearPlan:
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    return ExchangeYearPlan(
        partner_ids=PARTNERS, lead=Person(name="Programme Lead", email="kx@museum.example"), placement_template=template
    )


async def test_the_yearly_launcher_opens_this_years_programme_once(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        first = await env.client.execute_workflow(Launcher.run, year_plan(), id="launch-1", task_queue=task_queue)
        again = await env.client.execute_workflow(Launcher.run, year_plan(), id="launch-2", task_queue=task_queue)
        programme = env.client.get_workflow_handle_for(Programme.run, first)
        _STARTED.append(programme)
        state = await programme.query(Programme.status)
        now = await env.get_current_time()
    assert first == again == exchange_workflow_id(now.year)
    assert state.phase is Phase.CONFIRMING and [p.partner_id for p in state.partners] == list(PARTNERS)


async def test_a_burst_of_applications_continues_the_programme_as_new_and_keeps_every_one(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    async with stand_in_worker(env.client, task_queue, RecordedActivities()):
        now = await env.get_current_time()
        programme = await open_programme(env.client, task_queue, now, 2033, max_history_events=100)
        await programme.execute_update(
            Programme.confirm_partner, PartnerConfirmation(partner_id="p1", actor=partner("p1"))
        )
        await env.sleep(timedelta(days=11))
        for n in range(150):  # a call for applications, the evening before its deadline
            await programme.signal(
                Programme.note_application, ApplicationReceived(application_id=f"a{n}", organisation="p1")
            )

        # 👉 Query the new run once it is idle. Sent at once, the query hung until its RPC timeout in
        # ~1 run in 5 on the time-skipping test server, with the new run already idle and the worker
        # warning that the old run's task completed after the run had: the query went to the run
        # that was continuing as new and was never answered.
        async def continued() -> str | None:
            return (await programme.describe()).run_id

        await eventually(continued, lambda run_id: run_id != programme.first_execution_run_id)
        await settled(programme)
        state = await programme.query(Programme.status)
        description = await programme.describe()
    assert description.run_id != programme.first_execution_run_id, "the run continued as new"
    assert len(state.applications) == 150, "no application lost across the run boundary"
    assert slot(state, "p1").status is PartnerStatus.CONFIRMED and state.phase is Phase.APPLICATIONS
