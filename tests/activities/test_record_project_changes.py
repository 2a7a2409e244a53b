"""record_project_changes against real SQLite and PostgreSQL: idempotent events, a read model that never
moves backwards, and an outbox with one e-mail per recipient per event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from activities.rendering import TemplateRenderer
from activities.settings import ActivitySettings
from domain import transitions
from domain.events import DomainEvent, EventType, ProjectChanges, RecordResult
from domain.lifecycle import Audience
from domain.state import MilestoneStatus
from domain.submissions import Decision, MilestoneSubmission
from store.projects.writes_mail import EmailContext
from store.tables import Event, Milestone, OutboxEmail, Project, ProjectPartner, Submission
from tests.activities.builders import LEAD, STAFF, T0, ProjectStory, add_partner

HELD = ActivitySettings(smtp_url=None, base_url="https://engage.example")
WITH_SMTP = ActivitySettings(smtp_url="smtp://127.0.0.1:2525", base_url="https://engage.example")

RENDER = TemplateRenderer.create("https://engage.example")
Sessions = async_sessionmaker[AsyncSession]


async def record(sessionmaker: Sessions, changes: ProjectChanges, settings: ActivitySettings = HELD) -> RecordResult:
    activities = RecordActivities(sessionmaker, settings)
    env = ActivityEnvironment()
    result: RecordResult = await env.run(activities.record_project_changes, changes)
    return result


async def count(sessionmaker: Sessions, table: Any, project_id: str) -> int:
    async with sessionmaker() as session:
        total = await session.scalar(select(func.count()).select_from(table).where(table.project_id == project_id))
    return int(total or 0)


async def outbox(sessionmaker: Sessions, project_id: str) -> list[OutboxEmail]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxEmail).where(OutboxEmail.project_id == project_id).order_by(OutboxEmail.id)
        )
        return list(rows)


async def two_partner_story(sessionmaker: Sessions) -> tuple[ProjectStory, list[str]]:
    first = await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")
    second = await add_partner(sessionmaker, "Dockside Youth Club", "hello@dockside.example")
    return ProjectStory([first, second]), [first, second]


async def test_the_same_batch_recorded_twice_writes_its_events_once(sessionmaker: Sessions) -> None:
    story, _ = await two_partner_story(sessionmaker)
    batch = story.begin()

    first = await record(sessionmaker, batch)
    retry = await record(sessionmaker, batch)

    assert (first.events_written, retry.events_written) == (2, 0)
    assert await count(sessionmaker, Event, story.project_id) == 2
    async with sessionmaker() as session:
        types = list(
            await session.scalars(select(Event.type).where(Event.project_id == story.project_id).order_by(Event.seq))
        )
    assert types == [EventType.PROJECT_CREATED.value, EventType.STAGE_OPENED.value]


async def test_an_older_batch_arriving_late_does_not_move_the_read_model_backwards(sessionmaker: Sessions) -> None:
    story, partners = await two_partner_story(sessionmaker)
    opening = story.begin()
    await record(sessionmaker, opening)
    story.advance(timedelta(days=3))
    await record(sessionmaker, story.submit("proposal", partners[0]))

    late = await record(sessionmaker, opening)

    assert late.events_written == 0
    async with sessionmaker() as session:
        project = await session.get_one(Project, story.project_id)
        milestone = await session.get_one(Milestone, (story.project_id, "proposal"))
    assert project.event_seq == 3
    assert project.state is not None and project.state["event_seq"] == 3
    assert project.updated_at == T0 + timedelta(days=3)
    assert milestone.status == MilestoneStatus.SUBMITTED.value
    assert await count(sessionmaker, Submission, story.project_id) == 1


async def test_milestone_and_submission_rows_reflect_the_snapshot(sessionmaker: Sessions) -> None:
    story, partners = await two_partner_story(sessionmaker)
    await record(sessionmaker, story.begin())
    story.advance(timedelta(days=2))
    await record(sessionmaker, story.submit("proposal", partners[0], summary="First draft."))
    story.advance(timedelta(days=1))
    await record(sessionmaker, story.review("proposal", Decision.RETURN, note="Please add a timeline."))
    story.advance(timedelta(days=1))
    await record(sessionmaker, story.submit("proposal", partners[0], summary="With a timeline."))

    async with sessionmaker() as session:
        project = await session.get_one(Project, story.project_id)
        milestones = {
            m.key: m for m in await session.scalars(select(Milestone).where(Milestone.project_id == story.project_id))
        }
        submissions = list(
            await session.scalars(
                select(Submission).where(Submission.project_id == story.project_id).order_by(Submission.number)
            )
        )
    expected_keys = {m.key for m in story.state.milestones}
    assert set(milestones) == expected_keys
    proposal = milestones["proposal"]
    assert proposal.status == MilestoneStatus.SUBMITTED.value
    assert proposal.stage == "proposal" and proposal.submitter == "partner" and proposal.required
    assert proposal.due_at == T0 + timedelta(days=21)
    assert milestones["partnership_agreement"].due_at is None
    assert [(s.number, s.summary, s.decision) for s in submissions] == [
        (1, "First draft.", "return"),
        (2, "With a timeline.", None),
    ]
    assert submissions[0].note == "Please add a timeline."
    assert submissions[0].reviewed_at == T0 + timedelta(days=3)
    assert submissions[1].links == ["https://example.org/plan"]
    assert submissions[1].actor_partner_id == partners[0]
    assert project.stage == "proposal" and not project.paused
    # The proposal is submitted, so the earliest outstanding due date is the staff assessment (P28D).
    assert project.next_due_at == T0 + timedelta(days=28)
    async with sessionmaker() as session:
        linked = set(
            await session.scalars(
                select(ProjectPartner.partner_id).where(ProjectPartner.project_id == story.project_id)
            )
        )
    assert linked == set(partners)


async def test_each_recipient_gets_one_email_per_event_and_none_again_on_retry(sessionmaker: Sessions) -> None:
    story, _ = await two_partner_story(sessionmaker)
    batch = story.begin()

    first = await record(sessionmaker, batch)
    retry = await record(sessionmaker, batch)

    rows = await outbox(sessionmaker, story.project_id)
    assert (first.emails_queued, retry.emails_queued) == (3, 0)
    assert sorted(r.to_address for r in rows) == sorted(
        ["contact@harbour.example", "hello@dockside.example", LEAD.email]
    )
    assert {r.event_id for r in rows} == {f"{story.project_id}:2"}  # stage_opened only
    assert all(r.status == "held" and r.attempts == 0 for r in rows)
    assert all("@" not in r.dedupe_key for r in rows)
    assert not first.deliver and not retry.deliver  # no SMTP configured


async def test_partner_emails_go_to_each_partners_contact_with_project_details(sessionmaker: Sessions) -> None:
    story, partners = await two_partner_story(sessionmaker)
    await record(sessionmaker, story.begin())
    story.advance(timedelta(days=14))
    reminder = story.only(
        (EventType.MILESTONE_REMINDER, "proposal", {"before": "P7D", "due_at": (T0 + timedelta(days=21)).isoformat()}),
        notify=(Audience.PARTNERS,),
    )

    result = await record(sessionmaker, reminder)

    rows = [r for r in await outbox(sessionmaker, story.project_id) if r.event_id.endswith(":3")]
    assert result.emails_queued == 2
    assert {(r.to_name, r.to_address, r.audience) for r in rows} == {
        ("Harbour Heritage Group", "contact@harbour.example", "partners"),
        ("Dockside Youth Club", "hello@dockside.example", "partners"),
    }
    harbour = next(r for r in rows if r.to_address == "contact@harbour.example")
    assert harbour.subject == 'Reminder: "Project proposal" for Voices of the Docks is due soon'
    assert harbour.body.startswith("Dear Harbour Heritage Group,")
    # 09:00 UTC on 23 March 2026 is still GMT in London (summer time starts on the 29th).
    assert "Monday 23 March 2026 at 09:00 GMT" in harbour.body
    assert f"https://engage.example/projects/{story.project_id}" in harbour.body
    assert partners  # both partners were resolved from the partner table


async def test_due_dates_are_shown_in_the_projects_own_timezone(sessionmaker: Sessions) -> None:
    partner = await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")
    story = ProjectStory([partner], timezone="Pacific/Auckland")
    story.emit((EventType.PROJECT_CREATED, None, {}))
    await record(sessionmaker, story.batch())

    result = await record(
        sessionmaker,
        story.only(
            (EventType.MILESTONE_OVERDUE, "proposal", {"due_at": "2026-03-23T09:00:00+00:00"}), (Audience.LEAD,)
        ),
    )

    (row,) = await outbox(sessionmaker, story.project_id)
    assert result.emails_queued == 1 and row.to_address == LEAD.email
    assert "Monday 23 March 2026 at 22:00 NZDT" in row.body


async def test_events_with_nobody_to_notify_queue_no_email(sessionmaker: Sessions) -> None:
    story, _ = await two_partner_story(sessionmaker)
    story.emit((EventType.PROJECT_CREATED, None, {}))
    story.emit((EventType.STAGE_CLOSED, None, {"stage": "proposal"}), notify=())

    result = await record(sessionmaker, story.batch(), WITH_SMTP)

    assert result == RecordResult(events_written=2, emails_queued=0, deliver=False)
    assert await outbox(sessionmaker, story.project_id) == []


async def test_queued_emails_ask_for_delivery_even_when_a_retry_queues_nothing_new(sessionmaker: Sessions) -> None:
    story, _ = await two_partner_story(sessionmaker)
    batch = story.begin()

    first = await record(sessionmaker, batch, WITH_SMTP)
    retry = await record(sessionmaker, batch, WITH_SMTP)

    assert (first.emails_queued, first.deliver) == (3, True)
    # 👉 The first attempt committed but its result could have been lost: the retry still says deliver.
    assert (retry.emails_queued, retry.deliver) == (0, True)
    assert {r.status for r in await outbox(sessionmaker, story.project_id)} == {"queued"}


async def test_a_project_row_inserted_by_the_api_is_filled_in_by_the_first_batch(sessionmaker: Sessions) -> None:
    story, _ = await two_partner_story(sessionmaker)
    async with sessionmaker.begin() as session:
        session.add(
            Project(
                id=story.project_id,
                workflow_id=story.workflow_id,
                template_name="co-curation",
                template_version=1,
                kind="display",
                title="Voices of the Docks",
                summary="",
                lead_name=LEAD.name,
                lead_email=LEAD.email,
                stage="proposal",
                paused=False,
                timezone="Europe/London",
                created_at=T0,
                updated_at=T0,
                event_seq=0,
            )
        )

    await record(sessionmaker, story.begin())

    async with sessionmaker() as session:
        project = await session.get_one(Project, story.project_id)
    assert project.event_seq == 2 and project.state is not None
    assert project.workflow_id == story.workflow_id
    assert project.next_due_at == T0 + timedelta(days=21)
    assert await count(sessionmaker, Milestone, story.project_id) == len(story.state.milestones)


async def test_an_unknown_partner_id_is_skipped_rather_than_failing_the_batch(sessionmaker: Sessions) -> None:
    known = await add_partner(sessionmaker, "Harbour Heritage Group", "contact@harbour.example")
    story = ProjectStory([known, "0" * 32])

    result = await record(sessionmaker, story.begin())

    assert result.events_written == 2 and result.emails_queued == 2  # the known partner and the lead
    assert await count(sessionmaker, ProjectPartner, story.project_id) == 1


async def test_a_staff_milestone_that_needs_no_review_asks_nobody_for_a_decision(sessionmaker: Sessions) -> None:
    """Issue 12: staff recording their own milestone (no review) is told nothing; a partner's unreviewed
    milestone tells the lead it arrived, without asking for a decision nobody has to make."""
    story, _ = await two_partner_story(sessionmaker)
    await record(sessionmaker, story.begin())
    notes = MilestoneSubmission(milestone_key="proposal_review_notes", actor=STAFF, summary="Notes for the file.")
    story.emit(transitions.apply_submission(story.state, notes, story.now), actor=STAFF)

    staff_own = await record(sessionmaker, story.batch())

    assert staff_own.emails_queued == 0
    assert [r for r in await outbox(sessionmaker, story.project_id) if r.event_id.endswith(":3")] == []


def test_a_partner_milestone_that_needs_no_review_is_announced_without_asking_for_a_decision() -> None:
    story = ProjectStory(["p1"])
    story.begin()
    reflection = story.state.milestone("partner_reflection")
    assert reflection is not None and not reflection.review_required
    event = DomainEvent(
        project_id=story.project_id,
        seq=3,
        type=EventType.MILESTONE_SUBMITTED,
        occurred_at=T0,
        stage=story.state.stage,
        milestone_key="partner_reflection",
        detail={"submission": 1},
    )
    email = RENDER(EmailContext(event=event, snapshot=story.state, audience=Audience.LEAD, recipient_name="Morgan"))

    assert "record your decision" not in email.body
    assert "no decision is needed" in email.body.lower()
