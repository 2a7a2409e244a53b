"""FollowUpWorkflow with the real wave activities, a real database and a real SMTP server.

Three respondents, four waves over two years, in skipped time: reminders stop for the one who
answers and for the one who opts out; the third gets every invitation and every reminder;
each wave closes; the workflow finishes. Issue 3's "tests that must exist", against real parts.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import timedelta
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from domain.durations import IsoDuration
from domain.follow_up import FollowUpInput, RespondentOptedOut, SurveyAnswered, WaveStatus
from domain.transitions import new_project
from store.projects.writes import insert_project
from store.surveys import reads as survey_reads
from store.surveys import writes as survey_writes
from store.tables import OutboxEmail, Partner, SurveyWave
from tests.smtp_fixtures import SmtpServer
from tests.workflows.support import _STARTED, CATALOG, PARTNER_ID, project_input
from worker import build_worker
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import follow_up_workflow_id, project_workflow_id

Sessions = async_sessionmaker[AsyncSession]
PEOPLE = {"ada@community.example": "answers", "bo@community.example": "opts out", "cy@community.example": "silent"}
LINK = re.compile(r"/s/([A-Za-z0-9_-]{32,})")


async def test_three_respondents_four_waves_over_two_years_reminders_stop_for_answer_and_opt_out(
    time_skipping_env: WorkflowEnvironment, task_queue: str, sessionmaker: Sessions, smtp_server: SmtpServer
) -> None:
    env = time_skipping_env
    now = await env.get_current_time()
    template = CATALOG.latest("co-curation")
    assert template is not None
    project = new_project(project_input(template, now, project_id=uuid.uuid4().hex))
    async with sessionmaker() as session:
        session.add(
            Partner(
                id=PARTNER_ID,
                name="Archive",
                contact_name="Archivist",
                contact_email="a@partner.example",
                created_at=now,
            )
        )
        await session.flush()
        await insert_project(session, project, workflow_id=project_workflow_id(project.project_id))
        await session.commit()
        added = await survey_writes.add_respondents(
            session,
            project.project_id,
            [
                survey_writes.NewRespondent(name=f"Person {n}", email=e, role="participant")
                for n, e in enumerate(PEOPLE)
            ],
            now,
        )
        await session.commit()
    ids = dict(zip(PEOPLE, [r.respondent_id for r in added], strict=True))
    settings = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL="http://engage.test")
    worker = build_worker(
        env.client, task_queue=task_queue, sessionmaker=sessionmaker, activity_settings=settings, strict_sandbox=True
    )
    start = FollowUpInput(
        project_id=project.project_id,
        anchor_at=now,
        offsets=tuple(IsoDuration(o) for o in ("P3M", "P6M", "P12M", "P24M")),
    )
    async with worker:
        handle = await env.client.start_workflow(
            FollowUpWorkflow.run, start, id=follow_up_workflow_id(project.project_id), task_queue=task_queue
        )
        _STARTED.append(handle)
        await env.sleep(timedelta(days=95))  # the first wave is out; its reminders are days away
        first = await handle.query(FollowUpWorkflow.status)
        assert first.waves[0].status is WaveStatus.OPEN and first.waves[0].counts.invited == 3

        invitations = list(smtp_server.collector.messages)
        ada_token = _token_for(smtp_server, "ada@community.example")
        async with sessionmaker() as session:
            saved = await survey_writes.save_response(
                session,
                ada_token,
                {
                    "skills_gained": 4,
                    "confidence": 5,
                    "museum_understanding": 4,
                    "wellbeing": 5,
                    "contact_since": "often",
                },
                "en",
                await env.get_current_time(),
            )
            assert not isinstance(saved, survey_reads.TokenRefusal)
            opted = await survey_writes.opt_out(
                session, respondent_id=ids["bo@community.example"], everywhere=False, now=await env.get_current_time()
            )
            assert not isinstance(opted, survey_reads.TokenRefusal)
            await session.commit()
        await handle.signal(
            FollowUpWorkflow.note_answer, SurveyAnswered(respondent_id=ids["ada@community.example"], wave_index=0)
        )
        await handle.signal(
            FollowUpWorkflow.note_opt_out, RespondentOptedOut(respondent_id=ids["bo@community.example"])
        )
        final = await handle.result()  # two years pass here

    assert invitations, "the first invitations reached SMTP"
    assert final.finished and all(w.status is WaveStatus.CLOSED for w in final.waves)
    async with sessionmaker() as session:
        outbox = (
            await session.scalars(
                select(OutboxEmail).where(OutboxEmail.project_id == project.project_id, OutboxEmail.kind == "survey")
            )
        ).all()
        waves = (await session.scalars(select(SurveyWave).where(SurveyWave.project_id == project.project_id))).all()
    sent = Counter(
        (o.to_address, "invite" if o.event_id.endswith(":invite") else "remind") for o in outbox if o.status == "sent"
    )
    assert sent[("cy@community.example", "invite")] == 4 and sent[("cy@community.example", "remind")] == 8, (
        "the silent respondent gets every invitation and both reminders of every wave"
    )
    assert sent[("bo@community.example", "invite")] == 1 and sent[("bo@community.example", "remind")] == 0, (
        "after opting out, nothing more"
    )
    assert sent[("ada@community.example", "invite")] == 4, "answering one wave does not opt out of the next"
    assert sent[("ada@community.example", "remind")] == 6, "no reminder for the wave she answered, both for the rest"
    delivered = Counter(parseaddr(m["To"])[1] for m in smtp_server.collector.messages)
    assert delivered["cy@community.example"] == 12 and delivered["bo@community.example"] == 1
    assert sorted(w.status for w in waves) == ["closed"] * 4


def _token_for(smtp: SmtpServer, address: str) -> str:
    for message in smtp.collector.messages:
        if parseaddr(message["To"])[1] == address:
            body = message.get_payload(decode=True)
            text = body.decode() if isinstance(body, bytes) else str(message.get_payload())
            found = LINK.search(text)
            if found:
                return found.group(1)
    raise AssertionError(f"no survey link was mailed to {address}")
