"""Test data for follow-up surveys: projects, made-up respondents (`.example` addresses), wave tasks,
and the raw tokens read back out of the outbox's sealed links (the only place they exist, until sent)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.durations import IsoDuration
from domain.follow_up import WavePlan, WaveReport, WaveTask
from store.link_seal import personal_body, process_seal
from store.outbox import RenderedEmail
from store.projects.writes import project_row
from store.surveys.writes import NewRespondent, add_respondents
from store.surveys.writes_wave_close import close_wave
from store.surveys.writes_wave_mail import SurveyEmailContext, WaveMail
from store.surveys.writes_wave_open import open_wave
from store.surveys.writes_wave_remind import remind_wave
from store.tables import OutboxEmail, Project
from tests.activities.builders import ProjectStory

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
INSTRUMENT = "community-project@1"
_LINK = re.compile(r"/s/([A-Za-z0-9_-]+)(?:\s|$)")


async def add_project(sessionmaker: Sessions, *, timezone: str = "Europe/London") -> str:
    story = ProjectStory([], timezone=timezone)
    async with sessionmaker.begin() as session:
        await session.execute(insert(Project), [project_row(story.state, story.workflow_id)])
    return story.project_id


def person(n: int, *, language: str = "en", role: str = "participant", tag: str = "p") -> NewRespondent:
    return NewRespondent(name=f"Person {tag}{n}", email=f"{tag}{n}@respondents.example", role=role, language=language)


async def add_people(sessionmaker: Sessions, project_id: str, people: Sequence[NewRespondent]) -> list[str]:
    async with sessionmaker.begin() as session:
        results = await add_respondents(session, project_id, people, NOW)
    ids = [r.respondent_id for r in results if r.status == "added"]
    assert len(ids) == len(people)
    return [i for i in ids if i is not None]


def wave_task(project_id: str, index: int = 0, *, round: int = 0, due: datetime = NOW) -> WaveTask:
    plan = WavePlan(
        index=index,
        offset=IsoDuration("P3M"),
        due_at=due,
        reminders_at=(due + timedelta(days=7), due + timedelta(days=14)),
        closes_at=due + timedelta(days=30),
    )
    return WaveTask(project_id=project_id, plan=plan, instrument=INSTRUMENT, round=round)


def plain_render(context: SurveyEmailContext) -> RenderedEmail:
    return RenderedEmail(subject=f"{context.kind} {context.round}", body=f"{context.link}\n{context.opt_out_link}\n")


def mail_at(now: datetime, *, cap: int = 4, smtp: bool = False) -> WaveMail:
    return WaveMail(
        render=plain_render, base_url="https://engage.example", now=now, fatigue_cap=cap, smtp_configured=smtp
    )


async def open_at(sessionmaker: Sessions, task: WaveTask, now: datetime = NOW) -> WaveReport:
    async with sessionmaker.begin() as session:
        return await open_wave(session, task, mail_at(now))


async def remind_at(sessionmaker: Sessions, task: WaveTask, now: datetime) -> WaveReport:
    async with sessionmaker.begin() as session:
        return await remind_wave(session, task, mail_at(now))


async def close_at(sessionmaker: Sessions, task: WaveTask, now: datetime) -> WaveReport:
    async with sessionmaker.begin() as session:
        return await close_wave(session, task, now, False)


def token_in(body: str) -> str:
    """The raw token of the personal link in an e-mail body."""
    found = _LINK.search(body)
    assert found is not None, "no personal link in the e-mail"
    return found.group(1)


def delivered_body(row: OutboxEmail) -> str:
    """The body as delivery sends it: the placeholders replaced by the unsealed personal link.
    Sealed with this process's key (ENGAGE_OUTBOX_KEY is unset in tests)."""
    assert row.sealed_link is not None, "no sealed link on the row"
    link = process_seal().unseal(row.sealed_link, row.dedupe_key)
    assert link is not None, "the sealed link does not unseal"
    return personal_body(row.body, link)


async def tokens_by_respondent(sessionmaker: Sessions, event_id: str) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(OutboxEmail).where(OutboxEmail.event_id == event_id))
        return {r.respondent_id or "": token_in(delivered_body(r)) for r in rows}
