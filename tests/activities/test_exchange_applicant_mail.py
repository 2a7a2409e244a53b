"""Knowledge Exchange applicants hear from us (issue 12 §1), against real SQLite and PostgreSQL (and a
real SMTP server): an acknowledgement when the programme notes the application, and the outcome once
everyone is placed, a placement with its host and dates or a kind 'not this time'. Each activity runs
twice with the same input and queues each e-mail once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from activities.exchange import ExchangeActivities
from activities.settings import ActivitySettings
from domain.exchange import MUSEUM, ApplicantsToTell, ApplicationsToAcknowledge, Direction, PlacementRegistration
from store.tables import OutboxEmail
from tests.activities.builders import add_partner
from tests.activities.test_exchange_activities import (
    HELD,
    YEAR,
    Sessions,
    apply,
    changes,
    placement,
    programme_state,
    run,
)
from tests.smtp_fixtures import SmtpServer


async def outbox(sessionmaker: Sessions) -> list[OutboxEmail]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxEmail).order_by(OutboxEmail.event_id, OutboxEmail.to_address)))


async def test_each_application_is_acknowledged_once_however_often_the_activity_runs(sessionmaker: Sessions) -> None:
    activities = ExchangeActivities(sessionmaker, HELD)
    await run(activities.record_exchange_changes, changes(programme_state(["p1"]), "programme_opened"))
    alex = await apply(sessionmaker, "p1", "Alex Visitor", "alex@p1.example")
    bo = await apply(sessionmaker, MUSEUM, "Bo Host", "bo@museum.example")

    first = await run(
        activities.acknowledge_applications, ApplicationsToAcknowledge(year=YEAR, application_ids=(alex,))
    )
    both = ApplicationsToAcknowledge(year=YEAR, application_ids=(alex, bo, "no-such-application"))
    second = await run(activities.acknowledge_applications, both)
    again = await run(activities.acknowledge_applications, both)

    assert (first.emails_queued, second.emails_queued, again.emails_queued) == (1, 1, 0)
    mail = await outbox(sessionmaker)
    assert [(m.to_address, m.event_id, m.status, m.project_id) for m in mail] == [
        ("alex@p1.example", f"exchange/{YEAR}:received", "held", None),
        ("bo@museum.example", f"exchange/{YEAR}:received", "held", None),
    ]
    assert mail[0].subject == f"Knowledge Exchange {YEAR}: we have your application"
    assert mail[0].body.startswith("Dear Alex Visitor,\n") and "reached us safely" in mail[0].body


async def test_placed_applicants_are_offered_their_placement_with_its_host_and_dates_once_each(
    sessionmaker: Sessions,
) -> None:
    activities = ExchangeActivities(sessionmaker, HELD)
    harbour = await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")
    await run(activities.record_exchange_changes, changes(programme_state([harbour]), "programme_opened"))
    visitor = await apply(sessionmaker, harbour, "Alex Visitor", "alex@harbour.example")
    host = await apply(sessionmaker, MUSEUM, "Bo Host", "bo@museum.example")
    other = await apply(sessionmaker, MUSEUM, "Cy Other", "cy@museum.example")
    inbound = placement(visitor).model_copy(update={"partner_id": harbour})
    outbound = placement(host, starts_on=date(2044, 4, 10)).model_copy(
        update={
            "id": "kx2044-h-out",
            "project_id": "kx2044-h-out",
            "partner_id": harbour,
            "direction": Direction.TO_PARTNER,
        }
    )
    for p in (inbound, outbound):
        await run(activities.register_placement, PlacementRegistration(year=YEAR, placement=p))
    told = ApplicantsToTell(year=YEAR, selected_application_ids=tuple(sorted((visitor, host))))

    first = await run(activities.notify_unsuccessful_applicants, told)
    again = await run(activities.notify_unsuccessful_applicants, told)

    assert (first.emails_queued, again.emails_queued) == (3, 0)
    mail = {m.to_address: m for m in await outbox(sessionmaker)}
    assert {a: m.event_id.rsplit(":", 1)[1] for a, m in mail.items()} == {
        "alex@harbour.example": "selected",
        "bo@museum.example": "selected",
        "cy@museum.example": "unsuccessful",
    }
    assert mail["alex@harbour.example"].subject == f"Knowledge Exchange {YEAR}: you have a placement"
    assert "five working days with the museum, from Sunday 6 March 2044 to Thursday 10 March 2044" in (
        mail["alex@harbour.example"].body
    )
    assert "with Harbour Heritage Group, from Sunday 10 April 2044 to Thursday 14 April 2044" in (
        mail["bo@museum.example"].body
    )
    assert other not in {visitor, host}


async def test_with_smtp_configured_the_acknowledgements_and_offers_are_sent_once(
    sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    activities = ExchangeActivities(sessionmaker, ActivitySettings(smtp_url=smtp_server.url))
    await run(activities.record_exchange_changes, changes(programme_state(["p1"]), "programme_opened"))
    visitor = await apply(sessionmaker, "p1", "Alex Visitor", "alex@p1.example")
    acknowledge = ApplicationsToAcknowledge(year=YEAR, application_ids=(visitor,))
    await run(activities.acknowledge_applications, acknowledge)
    await run(activities.acknowledge_applications, acknowledge)
    await run(activities.register_placement, PlacementRegistration(year=YEAR, placement=placement(visitor)))
    told = ApplicantsToTell(year=YEAR, selected_application_ids=(visitor,))
    await run(activities.notify_unsuccessful_applicants, told)
    await run(activities.notify_unsuccessful_applicants, told)

    assert smtp_server.collector.recipients() == ["alex@p1.example", "alex@p1.example"]
    assert [m.status for m in await outbox(sessionmaker)] == ["sent", "sent"]
