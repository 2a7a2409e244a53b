"""deliver_emails for survey e-mails, against aiosmtpd and real databases: the invitation arrives with
its personal link, a 550 refusal marks the person bounced and suppressed everywhere, and an e-mail
whose respondent opted out before it went is cancelled rather than sent."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.email import EmailActivities
from activities.settings import ActivitySettings
from activities.surveys import SurveyActivities
from domain.events import EmailDelivery
from domain.follow_up import WaveReport
from store.surveys.reads import ResolvedToken, resolve_token
from store.surveys.writes import NewRespondent, opt_out
from store.tables import OutboxEmail, Respondent, SurveySuppression
from tests.smtp_fixtures import REFUSED, SmtpServer
from tests.store.survey_builders import NOW, Sessions, add_people, add_project, person, token_in, wave_task


async def open_and_deliver(sessionmaker: Sessions, settings: ActivitySettings, project_id: str) -> WaveReport:
    report = await ActivityEnvironment().run(
        SurveyActivities(sessionmaker, settings, clock=lambda: NOW).open_survey_wave, wave_task(project_id)
    )
    await ActivityEnvironment().run(
        EmailActivities(sessionmaker, settings).deliver_emails, EmailDelivery(event_ids=(report.delivery_key,))
    )
    return report


async def test_an_invitation_arrives_with_a_link_that_resolves_and_a_550_marks_the_person_bounced_everywhere(
    sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    settings = ActivitySettings(smtp_url=smtp_server.url, base_url="https://engage.example")
    project_id, other_project = await add_project(sessionmaker), await add_project(sessionmaker)
    good, refused = await add_people(
        sessionmaker,
        project_id,
        [person(1), NewRespondent(name="Nobody", email=REFUSED, role="participant")],
    )
    (elsewhere,) = await add_people(
        sessionmaker, other_project, [NewRespondent(name="Nobody", email=REFUSED, role="participant")]
    )

    await open_and_deliver(sessionmaker, settings, project_id)
    await open_and_deliver(sessionmaker, settings, project_id)  # a retry sends nothing again

    assert smtp_server.collector.recipients() == ["p1@respondents.example"]
    (message,) = smtp_server.collector.messages
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    async with sessionmaker() as session:
        resolved = await resolve_token(session, token_in(payload.decode()), NOW)
        people = {r.id: r.bounced_at for r in await session.scalars(select(Respondent))}
        suppressed = list(await session.scalars(select(SurveySuppression.reason)))
        statuses = {r.respondent_id: (r.status, r.sealed_link) for r in await session.scalars(select(OutboxEmail))}
    assert isinstance(resolved, ResolvedToken) and resolved.respondent.id == good
    assert people[good] is None and people[refused] is not None and people[elsewhere] is not None
    assert suppressed == ["bounced"]
    assert statuses == {good: ("sent", None), refused: ("failed", None)}  # no link kept either way
    # The other project never mails the bounced address.
    report = await ActivityEnvironment().run(
        SurveyActivities(sessionmaker, settings, clock=lambda: NOW).open_survey_wave, wave_task(other_project)
    )
    assert (report.emails_queued, report.counts.invited) == (0, 0)


async def test_a_survey_email_whose_respondent_opted_out_before_sending_is_cancelled(
    sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    settings = ActivitySettings(smtp_url=smtp_server.url, base_url="https://engage.example")
    project_id = await add_project(sessionmaker)
    stays, leaves = await add_people(sessionmaker, project_id, [person(1), person(2)])
    report = await ActivityEnvironment().run(
        SurveyActivities(sessionmaker, settings, clock=lambda: NOW).open_survey_wave, wave_task(project_id)
    )
    async with sessionmaker.begin() as session:
        await opt_out(session, respondent_id=leaves, everywhere=False, now=datetime.now(UTC))

    await ActivityEnvironment().run(
        EmailActivities(sessionmaker, settings).deliver_emails, EmailDelivery(event_ids=(report.delivery_key,))
    )

    assert [email.utils.parseaddr(m["To"])[1] for m in smtp_server.collector.messages] == ["p1@respondents.example"]
    async with sessionmaker() as session:
        rows = {
            r.respondent_id: (r.status, r.last_error, r.sealed_link) for r in await session.scalars(select(OutboxEmail))
        }
    # Sent or cancelled, neither keeps its sealed personal link (issue 14).
    assert rows == {stays: ("sent", None, None), leaves: ("cancelled", "not sent: respondent opted out", None)}
