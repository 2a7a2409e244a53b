"""Issue 14, "Survey links are the respondent's alone", end to end on the real app, databases and SMTP.

A wave opened by the real open_survey_wave activity and delivered by the real deliver_emails activity to
aiosmtpd: before and after sending, neither `GET /api/v1/outbox`, nor the outbox page, nor any column of
the outbox row holds the token; the e-mail received holds a link that opens the survey. A reminder (the
resend) issues a fresh link and retires the old one. A link sealed under a key no longer configured is
given up (failed), never sent without its link. Runs on SQLite and PostgreSQL (the `sessionmaker` fixture).
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.message import Message

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.email import EmailActivities
from activities.settings import ActivitySettings
from activities.surveys import SurveyActivities
from domain.events import EmailDelivery
from domain.follow_up import WaveTask
from store.link_seal import LinkSeal, new_key
from store.tables import OutboxEmail
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.survey_support import PEOPLE, survey_project, task_for
from tests.smtp_fixtures import SmtpServer
from tests.store.survey_builders import Sessions

BASE_URL = "http://engage.test"
LINK = re.compile(re.escape(BASE_URL) + r"(/s/[A-Za-z0-9_-]{16,})(?=\s)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def staff_page(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar signed in to the pages with the admin key (no bearer header)."""
    async with http_client(api.app, None) as http:
        form = await http.get("/")
        found = CSRF.search(form.text)
        assert found is not None
        signed_in = await http.post("/sign-in", data={"csrf": found.group(1), "key": ADMIN_KEY})
        assert signed_in.status_code == 303, signed_in.text
        yield http


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


async def outbox_rows(sessions: Sessions, event_id: str) -> list[OutboxEmail]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxEmail).where(OutboxEmail.event_id == event_id)))


async def what_staff_see(api: Api, page: httpx.AsyncClient, project_id: str) -> str:
    """Everything the staff views show of the outbox, plus every column of every row, as one text."""
    listed = await api.http.get("/api/v1/outbox", params={"project_id": project_id, "limit": 200})
    shown = await page.get("/outbox")
    assert listed.status_code == 200 and shown.status_code == 200
    async with api.sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.project_id == project_id)))
    columns = [str(getattr(row, c.key)) for row in rows for c in OutboxEmail.__table__.columns]
    return "\n".join([listed.text, shown.text, *columns])


async def deliver(sessions: Sessions, settings: ActivitySettings, event_id: str) -> None:
    await ActivityEnvironment().run(
        EmailActivities(sessions, settings).deliver_emails, EmailDelivery(event_ids=(event_id,))
    )


def surveys_of(api: Api, settings: ActivitySettings) -> SurveyActivities:
    return SurveyActivities(api.sessionmaker, settings, clock=lambda: datetime.now(UTC))


async def test_no_staff_view_shows_a_working_link_while_the_email_received_opens_the_survey(
    api: Api, staff_page: httpx.AsyncClient, smtp_server: SmtpServer
) -> None:
    key = new_key()
    settings = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL=BASE_URL, ENGAGE_OUTBOX_KEY=key)
    project_id, _ = await survey_project(api, people=PEOPLE[:2])
    report = await ActivityEnvironment().run(surveys_of(api, settings).open_survey_wave, task_for(project_id))

    # Written, not yet sent: the readable body has the placeholders; the link is sealed beside it.
    rows = await outbox_rows(api.sessionmaker, report.delivery_key)
    assert len(rows) == 2 and all(r.status == "queued" for r in rows)
    links = {LinkSeal.from_setting(key).unseal(r.sealed_link or "", r.dedupe_key) for r in rows}
    tokens = {link.rsplit("/", 1)[1] for link in links if link is not None}
    assert len(tokens) == 2
    assert all("[personal survey link]" in r.body and "[personal opt-out link]" in r.body for r in rows)
    seen = await what_staff_see(api, staff_page, project_id)
    assert "[personal survey link]" in seen and "/s/" not in seen
    assert not [t for t in tokens if t in seen], "a working token is visible to staff before sending"

    await deliver(api.sessionmaker, settings, report.delivery_key)

    # Sent: the e-mails carry working links; the outbox keeps none (sealed_link dropped).
    received = {email.utils.parseaddr(m["To"])[1]: body_of(m) for m in smtp_server.collector.messages}
    assert sorted(received) == sorted(p["email"] for p in PEOPLE[:2])
    paths = [found.group(1) for found in map(LINK.search, received.values()) if found is not None]
    assert {p.rsplit("/", 1)[1] for p in paths} == tokens
    assert all(f"{BASE_URL}{p}/opt-out" in b for p, b in zip(paths, received.values(), strict=True))
    for path in paths:
        opened = await api.http.get(path)
        assert opened.status_code == 200 and "<form" in opened.text
        assert (await api.http.get(f"/api/v1/surveys/{path.rsplit('/', 1)[1]}")).status_code == 200
    rows = await outbox_rows(api.sessionmaker, report.delivery_key)
    assert [(r.status, r.sealed_link) for r in rows] == [("sent", None), ("sent", None)]
    seen = await what_staff_see(api, staff_page, project_id)
    assert "/s/" not in seen and not [t for t in tokens if t in seen], "a working token is visible after sending"


async def test_a_reminder_is_a_fresh_link_and_the_old_one_no_longer_opens_the_survey(
    api: Api, smtp_server: SmtpServer
) -> None:
    settings = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL=BASE_URL, ENGAGE_OUTBOX_KEY=new_key())
    project_id, _ = await survey_project(api, people=PEOPLE[:1])
    surveys, task = surveys_of(api, settings), task_for(project_id)
    invited = await ActivityEnvironment().run(surveys.open_survey_wave, task)
    await deliver(api.sessionmaker, settings, invited.delivery_key)
    reminded = await ActivityEnvironment().run(
        surveys.remind_survey_wave, WaveTask(project_id=project_id, plan=task.plan, instrument=task.instrument, round=1)
    )
    assert reminded.emails_queued == 1
    await deliver(api.sessionmaker, settings, reminded.delivery_key)

    first, second = (LINK.search(body_of(m)) for m in smtp_server.collector.messages)
    assert first is not None and second is not None and first.group(1) != second.group(1)
    old, new = first.group(1), second.group(1)
    assert (await api.http.get(new)).status_code == 200
    assert (await api.http.get(f"/api/v1/surveys/{new.rsplit('/', 1)[1]}")).status_code == 200
    retired = await api.http.get(f"/api/v1/surveys/{old.rsplit('/', 1)[1]}")
    assert retired.status_code == 410 and retired.json()["errors"][0]["reason"] == "expired"
    page = await api.http.get(old)
    assert page.status_code == 410 and "This survey has closed" in page.text
    # An old e-mail's opt-out link still works: people unsubscribe from whatever they kept.
    opted = await api.http.post(f"/api/v1/surveys/{old.rsplit('/', 1)[1]}/opt-out", json={})
    assert opted.status_code == 200 and opted.json()["opted_out"] is True


async def test_a_link_sealed_under_a_key_no_longer_configured_is_given_up_not_sent_without_it(
    api: Api, smtp_server: SmtpServer
) -> None:
    before = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL=BASE_URL, ENGAGE_OUTBOX_KEY=new_key())
    after = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL=BASE_URL, ENGAGE_OUTBOX_KEY=new_key())
    project_id, _ = await survey_project(api, people=PEOPLE[:1])
    report = await ActivityEnvironment().run(surveys_of(api, before).open_survey_wave, task_for(project_id))

    await deliver(api.sessionmaker, after, report.delivery_key)

    assert smtp_server.collector.messages == []
    [row] = await outbox_rows(api.sessionmaker, report.delivery_key)
    assert (row.status, row.sealed_link) == ("failed", None)
    assert row.last_error == "the personal survey link could not be unsealed"
    with pytest.raises(ValueError, match="32 bytes"):
        ActivitySettings(ENGAGE_OUTBOX_KEY="dG9vLXNob3J0")


async def test_a_survey_email_queued_before_links_were_sealed_is_sent_as_written_then_redacted(
    api: Api, smtp_server: SmtpServer
) -> None:
    settings = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL=BASE_URL, ENGAGE_OUTBOX_KEY=new_key())
    link = f"{BASE_URL}/s/OldTokenFromBeforeSealing0123"
    async with api.sessionmaker.begin() as session:
        session.add(
            OutboxEmail(
                dedupe_key="legacy:1",
                event_id="legacy",
                audience="respondent",
                to_name="Ada",
                to_address="ada@respondents.example",
                subject="Survey",
                body=f"Dear Ada,\n{link}\nOpt out: {link}/opt-out\n",
                created_at=datetime.now(UTC),
                status="queued",
                attempts=0,
                kind="survey",
            )
        )

    await deliver(api.sessionmaker, settings, "legacy")

    (message,) = smtp_server.collector.messages
    assert f"{link}\n" in body_of(message).replace("\r\n", "\n")
    [row] = await outbox_rows(api.sessionmaker, "legacy")
    assert row.status == "sent" and "/s/" not in row.body
    assert row.body == "Dear Ada,\n[personal survey link]\nOpt out: [personal opt-out link]\n"
