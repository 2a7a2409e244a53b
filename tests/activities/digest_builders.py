"""Test data for the weekly digest: staff accounts, projects they lead, milestones and survey waves,
written as plain rows (made-up people at `.example` addresses), and what each digest must then say,
worked out by hand from those rows (never with the digest's own code).

The week of `seed`: Ada (staff) leads a project with one submission waiting for review, one milestone
overdue, one due later, plus a follow-up project with an open wave (7 invited, 3 answered) and a wave
due in two days; Ben (admin) leads a project whose open wave invited 2 and heard from nobody, and, as
admin, hears of the overdue milestone on a project whose lead has no account; Cal (staff) leads
nothing; Dee's account was removed (her project's waiting submission goes to the admins, as unled); a
partner's contact has an account and leads a project with an overdue milestone, but is not staff (the
admins hear of it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update

from domain.durations import IsoDuration
from store.hashing import email_hash
from store.tables import Milestone, Project, SurveyInvitation, SurveyResponse, SurveyWave, UserAccount
from tests.activities.builders import add_partner
from tests.store.survey_builders import INSTRUMENT, Sessions, add_people, add_project, person

#: Monday 3 June 2030, 07:00 in London (BST): 06:00 UTC, ISO week 2030-W23.
NOW = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
WEEK = "2030-W23"


async def add_account(sessionmaker: Sessions, name: str, email: str, role: str, *, removed: bool = False) -> str:
    account_id = uuid.uuid4().hex
    partner_id = await add_partner(sessionmaker, f"{name}'s organisation", f"org-{account_id}@partners.example")
    async with sessionmaker.begin() as session:
        session.add(
            UserAccount(
                id=account_id,
                name=name,
                email=email,
                email_hash=email_hash(email),
                role=role,
                partner_id=partner_id if role == "partner" else None,
                created_at=NOW - timedelta(days=100),
                created_by="test",
                removed_at=NOW - timedelta(days=1) if removed else None,
            )
        )
    return account_id


async def add_led_project(sessionmaker: Sessions, title: str, lead_email: str, stage: str) -> str:
    project_id = await add_project(sessionmaker)
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Project).where(Project.id == project_id).values(title=title, lead_email=lead_email, stage=stage)
        )
    return project_id


async def add_milestone(
    sessionmaker: Sessions, project_id: str, title: str, *, stage: str, status: str, due_at: datetime | None
) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(
            insert(Milestone).values(
                project_id=project_id,
                key=uuid.uuid4().hex[:12],
                stage=stage,
                title=title,
                submitter="partner",
                status=status,
                required=True,
                review_required=True,
                due_at=due_at,
            )
        )


async def add_wave(
    sessionmaker: Sessions,
    project_id: str,
    index: int,
    *,
    status: str,
    due_at: datetime,
    invited: int = 0,
    answered: int = 0,
    offset: str = "P3M",
) -> None:
    """A wave row; for an open one, `invited` invitations of which `answered` have a response."""
    async with sessionmaker.begin() as session:
        await session.execute(
            insert(SurveyWave).values(
                project_id=project_id,
                wave_index=index,
                offset=IsoDuration(offset),
                due_at=due_at,
                closes_at=due_at + timedelta(days=30),
                reminders_at=[],
                instrument=INSTRUMENT,
                status=status,
                opened_at=due_at if status != "scheduled" else None,
                closed_at=None,
            )
        )
    if not invited:
        return
    ids = await add_people(
        sessionmaker, project_id, [person(n, tag=f"w{index}-{project_id[:6]}-") for n in range(invited)]
    )
    async with sessionmaker.begin() as session:
        for n, respondent_id in enumerate(ids):
            session.add(
                SurveyInvitation(
                    project_id=project_id,
                    wave_index=index,
                    respondent_id=respondent_id,
                    status="invited",
                    invited_at=due_at,
                    reminders=0,
                )
            )
            if n < answered:
                session.add(
                    SurveyResponse(
                        project_id=project_id,
                        wave_index=index,
                        respondent_id=respondent_id,
                        instrument=INSTRUMENT,
                        language="en",
                        answers={},
                        submitted_at=due_at + timedelta(days=1),
                    )
                )


@dataclass(frozen=True)
class Seeded:
    ada: str
    ben: str
    cal: str
    dee: str
    partner: str
    docks: str
    harbour: str
    ropeworks: str
    orphan: str
    removed_leads: str


async def seed(sessionmaker: Sessions, now: datetime = NOW) -> Seeded:
    ada = await add_account(sessionmaker, "Ada Lovelace", "ada.lead@museum.example", "staff")
    ben = await add_account(sessionmaker, "Ben Admin", "ben@museum.example", "admin")
    cal = await add_account(sessionmaker, "Cal Quiet", "cal@museum.example", "staff")
    dee = await add_account(sessionmaker, "Dee Gone", "dee@museum.example", "staff", removed=True)
    partner = await add_account(sessionmaker, "Pat Partner", "pat@partners.example", "partner")

    # Ada's address as the project holds it: other case, stray spaces (matched trimmed, lower-cased).
    docks = await add_led_project(sessionmaker, "Voices of the Docks", " Ada.Lead@Museum.example ", "partnership")
    await add_milestone(
        sessionmaker, docks, "Signed agreement", stage="partnership", status="submitted", due_at=now - timedelta(days=1)
    )
    await add_milestone(
        sessionmaker, docks, "Workshop plan", stage="partnership", status="pending", due_at=now - timedelta(days=3)
    )
    await add_milestone(
        sessionmaker, docks, "Budget sheet", stage="partnership", status="pending", due_at=now + timedelta(days=3)
    )
    await add_milestone(
        sessionmaker, docks, "Old proposal", stage="proposal", status="submitted", due_at=now - timedelta(days=30)
    )
    await add_milestone(
        sessionmaker, docks, "Contacts list", stage="partnership", status="accepted", due_at=now - timedelta(days=9)
    )

    harbour = await add_led_project(sessionmaker, "Harbour Memories", "ada.lead@museum.example", "follow_up")
    await add_wave(sessionmaker, harbour, 0, status="open", due_at=now - timedelta(days=10), invited=7, answered=3)
    await add_wave(sessionmaker, harbour, 1, status="scheduled", due_at=now + timedelta(days=2), offset="P6M")
    await add_wave(sessionmaker, harbour, 2, status="scheduled", due_at=now + timedelta(days=9), offset="P1Y")

    ropeworks = await add_led_project(sessionmaker, "Ropeworks Stories", "ben@museum.example", "follow_up")
    await add_wave(sessionmaker, ropeworks, 0, status="open", due_at=now - timedelta(days=2), invited=2, answered=0)

    orphan = await add_led_project(sessionmaker, "Lighthouse Keepers", "gone@elsewhere.example", "workshops")
    await add_milestone(
        sessionmaker, orphan, "Workshop photos", stage="workshops", status="returned", due_at=now - timedelta(days=5)
    )

    removed_leads = await add_led_project(sessionmaker, "Sail Lofts", "dee@museum.example", "partnership")
    await add_milestone(
        sessionmaker, removed_leads, "Loft survey", stage="partnership", status="submitted", due_at=None
    )
    # A partner's contact's address leads a project: a partner account is no staff, so no digest to them.
    partner_led = await add_led_project(sessionmaker, "Chandlers' Shop", "pat@partners.example", "display")
    await add_milestone(
        sessionmaker, partner_led, "Display photos", stage="display", status="pending", due_at=now - timedelta(days=2)
    )
    return Seeded(ada, ben, cal, dee, partner, docks, harbour, ropeworks, orphan, removed_leads)
