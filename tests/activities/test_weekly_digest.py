"""The weekly digest activity against a real database (SQLite and PostgreSQL) and a real SMTP server
(aiosmtpd): who gets a digest, what each says (checked against figures worked out by hand from the rows
tests/activities/digest_builders.py writes), one e-mail per person per week however often it runs,
nothing for a removed account or a quiet week, and nothing about anyone else's projects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.digest import DigestActivities
from activities.email import EmailActivities
from activities.settings import ActivitySettings
from domain.digest import DigestRequest, DigestResult
from domain.events import EmailDelivery
from store.reports.digest_reads import FollowUpProject, WaveItem
from store.tables import OutboxEmail
from tests.activities.digest_builders import NOW, WEEK, Seeded, seed
from tests.smtp_fixtures import SmtpServer
from tests.store.survey_builders import Sessions

BASE = "https://engage.museum.example"


async def no_follow_up_runs(projects: Sequence[FollowUpProject], start: datetime, end: datetime) -> list[WaveItem]:
    """No Temporal here: the waves due this week come from the rows (the workflow tests ask FollowUpWorkflow)."""
    return []


def digest(sessionmaker: Sessions, smtp_url: str | None = None) -> DigestActivities:
    settings = ActivitySettings.model_validate({"ENGAGE_BASE_URL": BASE, "SMTP_URL": smtp_url})
    return DigestActivities(sessionmaker, settings, upcoming=no_follow_up_runs, clock=lambda: NOW)


async def run(activities: DigestActivities, now: datetime = NOW) -> DigestResult:
    request = DigestRequest(now=now, workflow_id="digest-test")
    return await ActivityEnvironment().run(activities.queue_weekly_digest, request)


async def outbox(sessionmaker: Sessions) -> dict[str, OutboxEmail]:
    async with sessionmaker() as session:
        return {r.dedupe_key: r for r in await session.scalars(select(OutboxEmail).order_by(OutboxEmail.id))}


def ada_says(seeded: Seeded) -> list[str]:
    """Ada's digest, line by line as she should read it (by hand from the rows)."""
    return [
        "Waiting for your review (1):",
        '- "Signed agreement" on "Voices of the Docks"',
        f"  {BASE}/projects/{seeded.docks}",
        "Overdue (1):",
        '- "Workshop plan" on "Voices of the Docks", due Friday 31 May 2030 at 07:00 BST',
        "Survey waves opening this week (1):",
        '- "Harbour Memories": the 6-month survey opens Wednesday 5 June 2030 at 07:00 BST',
        f"  {BASE}/projects/{seeded.harbour}/follow-up",
        "Response rates of open survey waves (1):",
        # 3 answers of 7 invitations: 42.9 %, shown rounded.
        '- "Harbour Memories", 3-month survey: 3 of 7 answered (43%), closes Sunday 23 June 2030 at 07:00 BST',
    ]


async def test_each_staff_member_with_something_to_hear_gets_one_digest_about_their_own_projects(
    sessionmaker: Sessions,
) -> None:
    seeded = await seed(sessionmaker)

    result = await run(digest(sessionmaker))

    assert (result.week, result.event_id, result.recipients, result.queued) == (WEEK, f"digest:{WEEK}", 2, 2)
    assert result.awaiting_delivery == 0  # no SMTP configured: held, shown in the dashboard only
    rows = await outbox(sessionmaker)
    assert sorted(rows) == sorted([f"digest:{seeded.ada}:{WEEK}", f"digest:{seeded.ben}:{WEEK}"])
    ada, ben = rows[f"digest:{seeded.ada}:{WEEK}"], rows[f"digest:{seeded.ben}:{WEEK}"]
    assert (ada.to_address, ada.kind, ada.audience, ada.status, ada.project_id) == (
        "ada.lead@museum.example",
        "account",
        "staff",
        "held",
        None,
    )
    assert ada.subject == "Your week in Engage: 1 to review, 1 overdue, 1 survey opening, 1 survey open"
    lines = ada.body.splitlines()
    assert lines[0] == "Dear Ada Lovelace,"
    for expected in ada_says(seeded):
        assert expected in lines, expected
    # Not due yet, another stage's, already accepted, due after this week: not in her digest.
    for absent in ("Budget sheet", "Old proposal", "Contacts list", "1-year"):
        assert absent not in ada.body
    # Nothing of anyone else's: no other project, nobody else's name or address.
    for other in ("Ropeworks", "Lighthouse", "Sail Lofts", "Chandlers", "Ben", "Dee", "gone@", "respondents.example"):
        assert other not in ada.body

    assert ben.subject == "Your week in Engage: 3 with no lead, 1 survey open"
    ben_lines = ben.body.splitlines()
    assert '- "Ropeworks Stories", 3-month survey: 0 of 2 answered (0%), closes Monday 1 July 2030 at 07:00 BST' in (
        ben_lines
    )
    # As admin, Ben hears of what waits on projects whose lead has no (active) account: a returned
    # milestone overdue, and a submission to review on the removed account's project.
    assert '- "Workshop photos" on "Lighthouse Keepers": overdue' in ben_lines
    assert '- "Loft survey" on "Sail Lofts": waiting for review' in ben_lines
    assert '- "Display photos" on "Chandlers\' Shop": overdue' in ben_lines  # led by a partner's contact
    for other in ("Voices of the Docks", "Harbour", "Ada", "Dee", "gone@elsewhere"):
        assert other not in ben.body


async def test_a_week_runs_once_per_person_however_often_it_runs_and_the_next_week_again(
    sessionmaker: Sessions,
) -> None:
    seeded = await seed(sessionmaker)
    activities = digest(sessionmaker)

    first = await run(activities)
    again = await run(activities, NOW + timedelta(hours=5))  # a retry, or a second trigger that Monday
    later_that_week = await run(activities, NOW + timedelta(days=6))  # Sunday: still 2030-W23

    assert (first.queued, again.queued, later_that_week.queued) == (2, 0, 0)
    assert len(await outbox(sessionmaker)) == 2

    next_week = await run(activities, NOW + timedelta(days=7))
    assert (next_week.week, next_week.queued) == ("2030-W24", 2)
    assert set(await outbox(sessionmaker)) == {
        f"digest:{person}:{week}" for person in (seeded.ada, seeded.ben) for week in (WEEK, "2030-W24")
    }


async def test_a_quiet_week_sends_nothing(sessionmaker: Sessions) -> None:
    from tests.activities.digest_builders import add_account

    await add_account(sessionmaker, "Cal Quiet", "cal@museum.example", "staff")
    await add_account(sessionmaker, "Ben Admin", "ben@museum.example", "admin")

    result = await run(digest(sessionmaker))

    assert (result.recipients, result.queued, result.awaiting_delivery) == (0, 0, 0)
    assert await outbox(sessionmaker) == {}


async def test_the_digests_are_delivered_over_smtp_once(sessionmaker: Sessions, smtp_server: SmtpServer) -> None:
    seeded = await seed(sessionmaker)
    activities = digest(sessionmaker, smtp_server.url)
    sender = EmailActivities(sessionmaker, ActivitySettings.model_validate({"SMTP_URL": smtp_server.url}))

    result = await run(activities)
    assert (result.queued, result.awaiting_delivery) == (2, 2)
    await ActivityEnvironment().run(sender.deliver_emails, EmailDelivery(event_ids=(result.event_id,)))
    await ActivityEnvironment().run(sender.deliver_emails, EmailDelivery(event_ids=(result.event_id,)))
    assert (await run(activities)).awaiting_delivery == 0

    assert smtp_server.collector.recipients() == ["ada.lead@museum.example", "ben@museum.example"]
    (to_ada,) = [m for m in smtp_server.collector.messages if "ada.lead" in m["To"]]
    payload = to_ada.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    for expected in ada_says(seeded):
        assert expected in body.splitlines(), expected
    assert all(r.status == "sent" for r in (await outbox(sessionmaker)).values())
