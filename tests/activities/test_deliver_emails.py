"""deliver_emails against a real SMTP server (aiosmtpd on loopback) and real databases: each queued
e-mail arrives once, refusals are final, and with no SMTP configured nothing is sent at all."""

from __future__ import annotations

import email

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.email import EmailActivities
from activities.records import RecordActivities
from activities.settings import ActivitySettings
from domain.events import EmailDelivery, ProjectChanges
from store.outbox_mail import message_id
from store.tables import OutboxEmail
from tests.activities.builders import LEAD, ProjectStory, add_partner
from tests.smtp_fixtures import DEFERRED, REFUSED, SmtpServer, free_port

Sessions = async_sessionmaker[AsyncSession]


def settings_for(smtp_url: str | None) -> ActivitySettings:
    return ActivitySettings(smtp_url=smtp_url, smtp_from="Engage <engage@museum.example>")


async def queue_stage_opened(
    sessionmaker: Sessions, settings: ActivitySettings, *partner_emails: str
) -> ProjectChanges:
    """Record a project's opening batch, which queues one e-mail per partner contact and the lead."""
    partners = [await add_partner(sessionmaker, f"Partner {i}", address) for i, address in enumerate(partner_emails)]
    batch = ProjectStory(partners).begin()
    await ActivityEnvironment().run(RecordActivities(sessionmaker, settings).record_project_changes, batch)
    return batch


def delivery_for(batch: ProjectChanges) -> EmailDelivery:
    return EmailDelivery(event_ids=tuple(r.event.event_id for r in batch.events if r.notify))


async def deliver(sessionmaker: Sessions, settings: ActivitySettings, delivery: EmailDelivery) -> None:
    await ActivityEnvironment().run(EmailActivities(sessionmaker, settings).deliver_emails, delivery)


async def rows(sessionmaker: Sessions, batch: ProjectChanges) -> dict[str, OutboxEmail]:
    async with sessionmaker() as session:
        found = await session.scalars(select(OutboxEmail).where(OutboxEmail.project_id == batch.snapshot.project_id))
        return {r.to_address: r for r in found}


async def test_queued_emails_arrive_once_and_a_second_run_sends_nothing(
    sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server.url)
    batch = await queue_stage_opened(sessionmaker, settings, "contact@harbour.example")

    await deliver(sessionmaker, settings, delivery_for(batch))
    await deliver(sessionmaker, settings, delivery_for(batch))

    assert smtp_server.collector.recipients() == sorted(["contact@harbour.example", LEAD.email])
    outbox = await rows(sessionmaker, batch)
    assert {(r.status, r.attempts) for r in outbox.values()} == {("sent", 1)}
    assert all(r.sent_at is not None and r.last_error is None for r in outbox.values())
    received = {email.utils.parseaddr(m["To"])[1]: m for m in smtp_server.collector.messages}
    lead_row, lead_message = outbox[LEAD.email], received[LEAD.email]
    assert lead_message["Message-ID"] == message_id(lead_row.dedupe_key, settings.smtp_from)
    assert lead_message["Subject"] == lead_row.subject == "Voices of the Docks: the proposal stage has begun"
    assert lead_message["From"] == "Engage <engage@museum.example>"
    payload = lead_message.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.decode().replace("\r\n", "\n") == lead_row.body


async def test_a_recipient_refused_with_550_is_marked_failed_and_never_retried(
    sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server.url)
    batch = await queue_stage_opened(sessionmaker, settings, REFUSED)

    await deliver(sessionmaker, settings, delivery_for(batch))  # returns normally: the refusal is final
    await deliver(sessionmaker, settings, delivery_for(batch))

    outbox = await rows(sessionmaker, batch)
    assert smtp_server.collector.recipients() == [LEAD.email]
    refused = outbox[REFUSED]
    assert (refused.status, refused.attempts, refused.sent_at) == ("failed", 1, None)
    assert refused.last_error is not None and refused.last_error.startswith("550")
    assert outbox[LEAD.email].status == "sent"


async def test_a_recipient_deferred_with_450_stays_queued_and_the_activity_asks_for_a_retry(
    sqlite_sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server.url)
    batch = await queue_stage_opened(sqlite_sessionmaker, settings, DEFERRED)

    with pytest.raises(ApplicationError) as raised:
        await deliver(sqlite_sessionmaker, settings, delivery_for(batch))

    assert raised.value.type == "SmtpDeferred" and not raised.value.non_retryable
    outbox = await rows(sqlite_sessionmaker, batch)
    deferred = outbox[DEFERRED]
    assert (deferred.status, deferred.attempts) == ("queued", 1)
    assert deferred.last_error is not None and deferred.last_error.startswith("450")
    assert outbox[LEAD.email].status == "sent"
    assert smtp_server.collector.recipients() == [LEAD.email]


async def test_an_unreachable_smtp_server_raises_for_temporal_to_retry_and_sends_nothing(
    sqlite_sessionmaker: Sessions,
) -> None:
    settings = settings_for(f"smtp://127.0.0.1:{free_port()}?starttls=false")
    batch = await queue_stage_opened(sqlite_sessionmaker, settings, "contact@harbour.example")

    with pytest.raises(OSError):
        await deliver(sqlite_sessionmaker, settings, delivery_for(batch))

    assert {r.status for r in (await rows(sqlite_sessionmaker, batch)).values()} == {"queued"}


async def test_without_smtp_nothing_is_sent_and_emails_stay_held(
    sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    settings = settings_for(None)
    batch = await queue_stage_opened(sessionmaker, settings, "contact@harbour.example")

    await deliver(sessionmaker, settings, delivery_for(batch))

    assert smtp_server.collector.messages == []
    outbox = await rows(sessionmaker, batch)
    assert len(outbox) == 2
    assert {(r.status, r.attempts) for r in outbox.values()} == {("held", 0)}
