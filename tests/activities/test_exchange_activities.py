"""The Knowledge Exchange activities against real SQLite and PostgreSQL (and a real SMTP server): each
runs twice with the same input and writes one row, one respondent and one e-mail per person."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.exchange import ExchangeActivities
from activities.settings import ActivitySettings
from domain import exchange_rules as rules
from domain.exchange import (
    MUSEUM,
    ApplicantsToTell,
    Direction,
    ExchangeChanges,
    ExchangeEvent,
    ExchangeInput,
    ExchangeState,
    Phase,
    Placement,
    PlacementRegistration,
    PlacementWindow,
    ProgrammeWindow,
    Selection,
)
from domain.submissions import Person
from store.exchange import writes as exchange_writes
from store.tables import (
    ExchangeApplication,
    ExchangeEventRow,
    ExchangePlacement,
    ExchangeProgramme,
    OutboxEmail,
    Project,
    Respondent,
)
from tests.activities.builders import CATALOG, T0, add_partner
from tests.smtp_fixtures import SmtpServer

Sessions = async_sessionmaker[AsyncSession]
HELD = ActivitySettings(smtp_url=None)
YEAR = 2044


def programme_state(partner_ids: list[str]) -> ExchangeState:
    template = CATALOG.latest("knowledge-exchange-placement")
    assert template is not None
    start = ExchangeInput(
        year=YEAR,
        partner_ids=tuple(partner_ids),
        confirm_by=T0 + timedelta(days=7),
        applications=ProgrammeWindow(opens_at=T0 + timedelta(days=10), closes_at=T0 + timedelta(days=30)),
        placements=PlacementWindow(starts_on=date(2044, 3, 1), ends_on=date(2044, 9, 30)),
        budget=12_000,
        lead=Person(name="Programme Lead", email="kx@museum.example"),
        placement_template=template,
        created_at=T0,
    )
    return rules.new_programme(start)


def event(seq: int, kind: str) -> ExchangeEvent:
    return ExchangeEvent(year=YEAR, seq=seq, type=kind, occurred_at=T0 + timedelta(minutes=seq))


def changes(state: ExchangeState, *kinds: str) -> ExchangeChanges:
    events = []
    for kind in kinds:
        state.event_seq += 1
        events.append(event(state.event_seq, kind))
    return ExchangeChanges(events=tuple(events), snapshot=state.model_copy(deep=True))


async def run(method: Any, arg: Any) -> Any:
    return await ActivityEnvironment().run(method, arg)


async def count(sessionmaker: Sessions, table: Any, *conditions: Any) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*conditions)) or 0)


async def apply(sessionmaker: Sessions, organisation: str, name: str, email: str) -> str:
    async with sessionmaker.begin() as session:
        stored = await exchange_writes.add_application(
            session,
            YEAR,
            exchange_writes.NewApplication(
                organisation=organisation,
                name=name,
                email=email,
                role="Collections officer",
                employment="employed",
                statement_of_benefit="I would learn how others care for collections.",
                hoped_gains="Conservation skills.",
                offer="Community outreach know-how.",
            ),
            T0 + timedelta(days=11),
        )
    assert stored is not None
    return stored.id


async def test_a_programme_batch_recorded_twice_writes_its_events_once_and_an_older_snapshot_never_wins(
    sessionmaker: Sessions,
) -> None:
    activities = ExchangeActivities(sessionmaker, HELD)
    state = programme_state(["p1", "p2"])
    opened = changes(state, "programme_opened")
    state.phase = Phase.APPLICATIONS
    later = changes(state, "partner_confirmed", "applications_opened")

    await run(activities.record_exchange_changes, opened)
    await run(activities.record_exchange_changes, later)
    await run(activities.record_exchange_changes, later)
    await run(activities.record_exchange_changes, opened)  # a late retry of the first batch

    assert await count(sessionmaker, ExchangeEventRow, ExchangeEventRow.year == YEAR) == 3
    async with sessionmaker() as session:
        row = await session.get(ExchangeProgramme, YEAR)
    assert row is not None and row.event_seq == 3 and row.phase == "applications"
    assert row.state["partners"][0]["partner_id"] == "p1" and row.budget == 12_000


async def test_the_snapshot_mirrors_shortlisted_and_selected_applications_and_placements(
    sessionmaker: Sessions,
) -> None:
    activities = ExchangeActivities(sessionmaker, HELD)
    state = programme_state(["p1"])
    await run(activities.record_exchange_changes, changes(state, "programme_opened"))
    outgoing = await apply(sessionmaker, "p1", "Alex Visitor", "alex@partner.example")
    hosted = await apply(sessionmaker, MUSEUM, "Bo Host", "bo@museum.example")
    extra = await apply(sessionmaker, MUSEUM, "Cy Other", "cy@museum.example")
    state.shortlisted = [outgoing, hosted, extra]
    state.selections = [Selection(partner_id="p1", outgoing_application_id=outgoing, hosted_application_id=hosted)]
    state.placements = [placement(outgoing)]

    await run(activities.record_exchange_changes, changes(state, "applicants_selected", "placement_matched"))

    async with sessionmaker() as session:
        statuses = dict((await session.execute(select(ExchangeApplication.id, ExchangeApplication.status))).all())
        stored = await session.get(ExchangePlacement, "kx2044-p1-in")
    assert statuses == {outgoing: "selected", hosted: "selected", extra: "shortlisted"}
    assert stored is not None and stored.starts_on == date(2044, 3, 6) and stored.focus_areas == ["archives"]


def placement(application_id: str, starts_on: date = date(2044, 3, 6)) -> Placement:
    project_id = rules.placement_project_id(YEAR, "p1", Direction.TO_MUSEUM)
    return Placement(
        id=project_id,
        project_id=project_id,
        partner_id="p1",
        direction=Direction.TO_MUSEUM,
        application_id=application_id,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=4),
        focus_areas=["archives"],
    )


async def test_registering_a_placement_twice_makes_one_row_and_the_visitor_and_partner_contact_respondents(
    sessionmaker: Sessions,
) -> None:
    activities = ExchangeActivities(sessionmaker, HELD)
    partner_id = await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")
    state = programme_state([partner_id])
    await run(activities.record_exchange_changes, changes(state, "programme_opened"))
    visitor = await apply(sessionmaker, partner_id, "Alex Visitor", "alex@harbour.example")
    registration = PlacementRegistration(
        year=YEAR, placement=placement(visitor).model_copy(update={"partner_id": partner_id})
    )
    project_id = registration.placement.project_id

    await run(activities.register_placement, registration)
    async with sessionmaker.begin() as session:  # staff mark it; a retried registration must keep the mark
        await session.execute(update(ExchangePlacement).values(case_study=True))
    await run(activities.register_placement, registration)

    assert await count(sessionmaker, ExchangePlacement) == 1
    async with sessionmaker() as session:
        project = await session.get(Project, project_id)
        people = sorted((r.role, r.email) for r in await session.scalars(select(Respondent)))
        stored = await session.get(ExchangePlacement, project_id)
    assert project is not None and project.workflow_id == f"project/{project_id}" and project.event_seq == 0
    assert people == [("partner_staff", "alex@harbour.example"), ("partner_staff", "contact@harbour.example")]
    assert stored is not None and stored.case_study is True


async def test_unsuccessful_applicants_are_marked_and_emailed_once_each_however_often_the_activity_runs(
    sessionmaker: Sessions,
) -> None:
    activities = ExchangeActivities(sessionmaker, HELD)
    state = programme_state(["p1"])
    await run(activities.record_exchange_changes, changes(state, "programme_opened"))
    placed = [await apply(sessionmaker, "p1", "Alex Visitor", "alex@p1.example")]
    placed.append(await apply(sessionmaker, MUSEUM, "Bo Host", "bo@museum.example"))
    not_placed = [await apply(sessionmaker, MUSEUM, "Cy Other", "cy@museum.example")]
    not_placed.append(await apply(sessionmaker, "p1", "Di Other", "di@p1.example"))
    told = ApplicantsToTell(year=YEAR, selected_application_ids=tuple(sorted(placed)))

    first = await run(activities.notify_unsuccessful_applicants, told)
    again = await run(activities.notify_unsuccessful_applicants, told)

    assert (first.emails_queued, again.emails_queued) == (2, 0)
    async with sessionmaker() as session:
        mail = list(await session.scalars(select(OutboxEmail).order_by(OutboxEmail.to_address)))
        statuses = dict((await session.execute(select(ExchangeApplication.id, ExchangeApplication.status))).all())
    assert [(m.to_address, m.kind, m.status, m.project_id) for m in mail] == [
        ("cy@museum.example", "exchange", "held", None),
        ("di@p1.example", "exchange", "held", None),
    ]
    assert mail[0].body.startswith("Dear Cy Other,\n") and "Knowledge Exchange 2044" in mail[0].subject
    assert {statuses[a] for a in placed} == {"selected"} and {statuses[a] for a in not_placed} == {"unsuccessful"}


async def test_with_smtp_configured_the_unsuccessful_applicants_emails_are_sent_once(
    sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    activities = ExchangeActivities(sessionmaker, ActivitySettings(smtp_url=smtp_server.url))
    state = programme_state(["p1"])
    await run(activities.record_exchange_changes, changes(state, "programme_opened"))
    placed = await apply(sessionmaker, "p1", "Alex Visitor", "alex@p1.example")
    await apply(sessionmaker, MUSEUM, "Cy Other", "cy@museum.example")
    told = ApplicantsToTell(year=YEAR, selected_application_ids=(placed,))

    await run(activities.notify_unsuccessful_applicants, told)
    await run(activities.notify_unsuccessful_applicants, told)

    assert smtp_server.collector.recipients() == ["cy@museum.example"]
    assert await count(sessionmaker, OutboxEmail, OutboxEmail.status == "sent") == 1
