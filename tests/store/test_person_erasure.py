"""A person's rights in the store, on SQLite and PostgreSQL: everything held about an address is found
with its source, and erasure scrubs it all (numbers and choices kept), once, and suppresses the address.

The person is at once a partner's contact, a project's lead, a respondent with an answer and e-mails,
an applicant with an acknowledgement, and a programme's lead; a bystander on the same records stays
untouched. Addresses are made-up `.example` ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.submissions import Person
from store.exchange.writes import NewApplication, add_application, insert_programme
from store.exchange.writes_mail import acknowledge_applications
from store.hashing import email_hash
from store.outbox import RenderedEmail
from store.people.erasure import ERASED, erase_person, scrub_applications, scrub_respondents
from store.people.reads import held_about
from store.projects.writes import project_row
from store.projects.writes_mail import queue_emails
from store.surveys.writes import mark_bounced, save_response
from store.tables import (
    ExchangeApplication,
    OutboxEmail,
    Partner,
    Project,
    Respondent,
    SurveyResponse,
    SurveySuppression,
    SurveyToken,
)
from tests.activities.builders import ProjectStory, add_partner
from tests.activities.test_exchange_activities import YEAR, programme_state
from tests.store.survey_builders import NOW, add_people, open_at, person, tokens_by_respondent, wave_task

Sessions = async_sessionmaker[AsyncSession]
ADDRESS = "ada.lovelace@people.example"
#: The same person as typed by someone else: erasure and export match case- and space-insensitively.
TYPED = "  Ada.Lovelace@People.example "
ANSWERS = {
    "skills_gained": 4,
    "contact_since": "monthly",
    "visits_since": 3,
    "lasting_difference": "I met my Nan's friends.",
}


@dataclass
class Story:
    partner_id: str
    led_project: str
    survey_project: str
    respondent_id: str
    bystander_id: str
    application_id: str
    other_application_id: str


def application(name: str, email: str) -> NewApplication:
    return NewApplication(
        organisation="museum",
        name=name,
        email=email,
        role="Conservator",
        employment="employed",
        statement_of_benefit="My own words about benefit.",
        hoped_gains="My own hopes.",
        offer="What I offer.",
        preferred_areas=["collections"],
        access_needs="A quiet room.",
        availability="Mondays.",
    )


async def tell(sessionmaker: Sessions) -> Story:
    """Build the person's records, and a bystander's beside each."""
    partner_id = await add_partner(sessionmaker, "Harbour Women", TYPED)
    await add_partner(sessionmaker, "Youth Collective", "someone.else@people.example")
    led = ProjectStory([partner_id])
    led.state.lead = Person(name="Ada Lovelace", email="Ada.Lovelace@people.example")
    async with sessionmaker.begin() as session:
        await session.execute(insert(Project), [project_row(led.state, led.workflow_id)])
        session.add(project_mail(led.project_id, "Ada Lovelace", "Ada.Lovelace@people.example", "queued"))
        session.add(project_mail(led.project_id, "Someone Else", "someone.else@people.example", "queued"))
    survey = ProjectStory([])
    async with sessionmaker.begin() as session:
        await session.execute(insert(Project), [project_row(survey.state, survey.workflow_id)])
    ada = person(1)
    ada = type(ada)(name="Ada Lovelace", email=ADDRESS, role=ada.role, language=ada.language)
    respondent_id, bystander_id = await add_people(sessionmaker, survey.project_id, [ada, person(2)])
    await open_at(sessionmaker, wave_task(survey.project_id))
    tokens = await tokens_by_respondent(sessionmaker, f"followup/{survey.project_id}:w0:invite")
    async with sessionmaker.begin() as session:
        await save_response(session, tokens[respondent_id], ANSWERS, "en", NOW + timedelta(hours=1))
        await save_response(session, tokens[bystander_id], ANSWERS, "en", NOW + timedelta(hours=1))
    state = programme_state([partner_id])
    state.lead = Person(name="Ada Lovelace", email=ADDRESS)
    async with sessionmaker.begin() as session:
        await insert_programme(session, state, NOW)
        mine = await add_application(session, YEAR, application("Ada Lovelace", TYPED), NOW)
        other = await add_application(session, YEAR, application("Someone Else", "someone.else@people.example"), NOW)
        assert mine is not None and other is not None
        for row in (mine, other):
            session.add(
                OutboxEmail(
                    dedupe_key=f"exchange/{YEAR}:received:{row.id}",
                    event_id=f"exchange/{YEAR}:received",
                    project_id=None,
                    kind="exchange",
                    audience="applicant",
                    to_name=row.name,
                    to_address=row.email,
                    subject="we have your application",
                    body=f"Dear {row.name}",
                    created_at=NOW,
                    status="held",
                )
            )
    return Story(partner_id, led.project_id, survey.project_id, respondent_id, bystander_id, mine.id, other.id)


def project_mail(project_id: str, name: str, address: str, status: str) -> OutboxEmail:
    return OutboxEmail(
        dedupe_key=f"project/{project_id}:1:{address}",
        event_id=f"project/{project_id}:1",
        project_id=project_id,
        audience="lead",
        to_name=name,
        to_address=address,
        subject="the proposal stage has begun",
        body=f"Dear {name}",
        created_at=NOW,
        status=status,
    )


async def test_everything_held_about_an_address_is_found_with_where_it_came_from(sessionmaker: Sessions) -> None:
    story = await tell(sessionmaker)

    async with sessionmaker() as session:
        held = await held_about(session, TYPED)
        stranger = await held_about(session, "nobody@people.example")

    assert [(c.partner_id, c.source.table) for c in held.partner_contacts] == [(story.partner_id, "partner")]
    assert [(lead.source.project_id, lead.lead_name) for lead in held.project_leads] == [
        (story.led_project, "Ada Lovelace")
    ]
    assert [(lead.source.year, lead.source.table) for lead in held.programme_leads] == [(YEAR, "exchange_programme")]
    (respondent,) = held.respondents
    assert (respondent.respondent_id, respondent.source.project_id) == (story.respondent_id, story.survey_project)
    assert [(r.wave_index, r.answers) for r in respondent.responses] == [(0, ANSWERS)]
    assert [(a.application_id, a.source.year, a.statement_of_benefit) for a in held.applications] == [
        (story.application_id, YEAR, "My own words about benefit.")
    ]
    assert sorted((e.kind, e.source.table) for e in held.emails) == [
        ("exchange", "outbox_email"),
        ("project", "outbox_email"),
        ("survey", "outbox_email"),
    ]
    assert all("/s/" not in e.body for e in held.emails)  # never a working survey link
    assert held.suppressions == []
    assert stranger.records == 0


async def test_erasing_a_person_scrubs_every_record_keeps_numbers_and_suppresses_the_address(
    sessionmaker: Sessions,
) -> None:
    story = await tell(sessionmaker)
    async with sessionmaker.begin() as session:
        await mark_bounced(session, story.respondent_id, NOW)  # an earlier reason gives way to `erased`

    async with sessionmaker.begin() as session:
        erased = await erase_person(session, TYPED, NOW + timedelta(days=1))
    async with sessionmaker.begin() as session:
        again = await erase_person(session, ADDRESS, NOW + timedelta(days=2))
    async with sessionmaker() as session:
        held = await held_about(session, ADDRESS)
        answers = {r.respondent_id: r.answers for r in await session.scalars(select(SurveyResponse))}
        respondent = await session.get(Respondent, story.respondent_id)
        bystander = await session.get(Respondent, story.bystander_id)
        mine = await session.get(ExchangeApplication, story.application_id)
        other = await session.get(ExchangeApplication, story.other_application_id)
        partner = await session.get(Partner, story.partner_id)
        project = await session.get(Project, story.led_project)
        tokens = {t.respondent_id for t in await session.scalars(select(SurveyToken))}
        mail = {(e.to_address, e.status, e.sealed_link is None) for e in await session.scalars(select(OutboxEmail))}
        suppression = await session.get(SurveySuppression, email_hash(ADDRESS))

    counts = erased.counts
    assert (counts.respondents, counts.applications, counts.partner_contacts) == (1, 1, 1)
    assert (counts.project_leads, counts.programme_leads, counts.suppressions) == (1, 1, 1)
    assert counts.outbox_emails == 3  # the invitation, the acknowledgement, the lead's project e-mail
    assert erased.lead_of_projects == [story.led_project]
    assert erased.lead_of_programmes == [YEAR]
    assert erased.applications == [(YEAR, story.application_id)]
    assert again.counts.total == 0 and again.lead_of_projects == [] and again.applications == []
    assert [s.reason for s in held.suppressions] == ["erased"] and held.records == 1
    assert answers[story.respondent_id] == {k: v for k, v in ANSWERS.items() if k != "lasting_difference"}
    assert answers[story.bystander_id] == ANSWERS
    assert respondent is not None and (respondent.name, respondent.email) == ("", "")
    assert respondent.opted_out_at is not None
    assert bystander is not None and bystander.name == "Person p2"
    assert mine is not None and (mine.name, mine.email, mine.statement_of_benefit, mine.access_needs) == (
        "",
        "",
        "",
        "",
    )
    assert (mine.organisation, mine.employment, mine.preferred_areas, mine.status) == (
        "museum",
        "employed",
        ["collections"],
        "received",
    )
    assert other is not None and other.name == "Someone Else"
    assert partner is not None and (partner.name, partner.contact_email) == ("Harbour Women", ERASED)
    assert project is not None and project.lead_email == "erased@erased.invalid"
    assert project.state is not None and project.state["lead"]["email"] == "erased@erased.invalid"
    assert story.respondent_id not in tokens and story.bystander_id in tokens
    assert not any(ADDRESS in address.lower() for address, _, _ in mail)
    assert (ERASED, "cancelled", True) in mail  # the lead's queued e-mail never goes
    assert ("someone.else@people.example", "queued", True) in mail
    assert suppression is not None and suppression.reason == "erased"


async def test_scrubbing_respondents_and_applications_again_scrubs_nothing(sessionmaker: Sessions) -> None:
    story = await tell(sessionmaker)
    ids = [story.respondent_id, story.bystander_id, "unknown"]

    async with sessionmaker.begin() as session:
        first = (
            await scrub_respondents(session, ids, NOW),
            await scrub_applications(session, [story.application_id], NOW),
        )
    async with sessionmaker.begin() as session:
        second = (
            await scrub_respondents(session, ids, NOW),
            await scrub_applications(session, [story.application_id], NOW),
        )
    async with sessionmaker() as session:
        hashes = set(await session.scalars(select(Respondent.email_hash)))
        named = await session.scalar(select(func.count()).select_from(Respondent).where(Respondent.name != ""))

    assert (first, second) == ((2, 1), (0, 0))
    assert hashes == {f"erased:{story.respondent_id}", f"erased:{story.bystander_id}"}
    assert named == 0


async def test_an_erased_respondent_is_not_invited_when_the_next_wave_opens(sessionmaker: Sessions) -> None:
    story = await tell(sessionmaker)
    async with sessionmaker.begin() as session:
        await erase_person(session, ADDRESS, NOW)

    await open_at(
        sessionmaker, wave_task(story.survey_project, 1, due=NOW + timedelta(days=90)), NOW + timedelta(days=90)
    )

    invited = await tokens_by_respondent(sessionmaker, f"followup/{story.survey_project}:w1:invite")
    assert set(invited) == {story.bystander_id}


def plain(_: object, *__: object) -> RenderedEmail:
    return RenderedEmail(subject="s", body="b")


async def test_no_project_or_programme_e_mail_is_queued_to_an_erased_person(sessionmaker: Sessions) -> None:
    story = await tell(sessionmaker)
    bystander_partner = await add_partner(sessionmaker, "Dock Choir", "choir@people.example")
    async with sessionmaker.begin() as session:
        await erase_person(session, ADDRESS, NOW)
    # A new project led by the same person, with their (erased) partner and a bystander partner:
    project = ProjectStory([story.partner_id, bystander_partner])
    project.state.lead = Person(name="Ada Lovelace", email=TYPED.strip())
    async with sessionmaker.begin() as session:
        await session.execute(insert(Project), [project_row(project.state, project.workflow_id)])
        queued = await queue_emails(session, project.begin(), plain, False, NOW)
        # ...and a fresh application from the same address after erasure, acknowledged with the old one.
        again = await add_application(session, YEAR, application("Ada Lovelace", ADDRESS), NOW)
        assert again is not None
        told = await acknowledge_applications(
            session,
            YEAR,
            [story.application_id, again.id, story.other_application_id],
            plain,
            smtp_configured=False,
            now=NOW,
        )
    async with sessionmaker() as session:
        addresses = list(
            await session.scalars(
                select(OutboxEmail.to_address).where(OutboxEmail.created_at == NOW, OutboxEmail.kind != "survey")
            )
        )

    assert queued == 1 and told.emails_queued == 0  # the bystander's ack was queued already, by `tell`
    assert "choir@people.example" in addresses
    assert not [a for a in addresses if a.strip().lower() == ADDRESS]
