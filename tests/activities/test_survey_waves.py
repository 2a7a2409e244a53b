"""The follow-up wave activities under ActivityEnvironment, on real SQLite and PostgreSQL: invitations
once per person per wave however often they run, nobody mailed who opted out, bounced or is
suppressed, the fatigue cap deferring rather than piling up, reminders only to those still silent,
and closed waves whose links stop working."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.settings import ActivitySettings
from activities.surveys import SurveyActivities, plan_follow_up_waves
from domain.durations import IsoDuration
from domain.follow_up import FollowUpPolicy, PlanRequest, WaveReport, WaveTask
from domain.respondents import TokenProblem
from store.surveys.reads import ResolvedToken, TokenRefusal, resolve_token
from store.surveys.writes import opt_out, save_response
from store.tables import OutboxEmail, Respondent, SurveyInvitation, SurveySuppression, SurveyToken
from tests.store.survey_builders import (
    NOW,
    Sessions,
    add_people,
    add_project,
    delivered_body,
    person,
    token_in,
    tokens_by_respondent,
    wave_task,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def activities(sessionmaker: Sessions, clock: Clock, *, smtp: bool = False) -> SurveyActivities:
    settings = ActivitySettings(smtp_url="smtp://127.0.0.1:1" if smtp else None, base_url="https://engage.example/")
    return SurveyActivities(sessionmaker, settings, clock=clock)


async def run(method: object, task: WaveTask, heartbeats: list[object] | None = None) -> WaveReport:
    env = ActivityEnvironment()
    if heartbeats is not None:
        env.on_heartbeat = lambda *details: heartbeats.extend(details)
    report = await env.run(method, task)  # type: ignore[arg-type]
    assert isinstance(report, WaveReport)
    return report


async def count(sessionmaker: Sessions, table: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_opening_a_wave_of_500_invites_each_person_once_even_when_it_runs_twice(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    await add_people(sessionmaker, project_id, [person(n) for n in range(500)])
    surveys, task = activities(sessionmaker, Clock(NOW), smtp=True), wave_task(project_id)
    heartbeats: list[object] = []

    started = time.perf_counter()
    first = await run(surveys.open_survey_wave, task, heartbeats)
    elapsed = time.perf_counter() - started
    tokens_after_first = await tokens_by_respondent(sessionmaker, first.delivery_key)
    retry = await run(surveys.open_survey_wave, task)

    assert elapsed < 3.0, f"opening a wave of 500 took {elapsed:.2f}s"
    assert (first.emails_queued, first.counts.invited, first.deliver) == (500, 500, True)
    assert first.delivery_key == f"followup/{project_id}:w0:invite"
    # The retry finds every invitation: nothing new, but delivery is still asked for (rows are queued).
    assert (retry.emails_queued, retry.counts.invited, retry.deliver) == (0, 500, True)
    assert [await count(sessionmaker, t) for t in (SurveyInvitation, SurveyToken, OutboxEmail)] == [500, 500, 500]
    assert await tokens_by_respondent(sessionmaker, first.delivery_key) == tokens_after_first
    assert len(set(tokens_after_first.values())) == 500
    assert heartbeats == [100, 200, 300, 400, 500]
    async with sessionmaker() as session:
        emails = list(await session.scalars(select(OutboxEmail)))
    assert {(e.kind, e.status, e.event_id, e.audience) for e in emails} == {
        ("survey", "queued", first.delivery_key, "respondent")
    }
    assert all(e.dedupe_key == f"{first.delivery_key}:{e.respondent_id}" and e.recipient_hash for e in emails)


async def test_nobody_opted_out_suppressed_or_bounced_is_mailed_and_a_latecomer_is_invited_next_time(
    sessionmaker: Sessions,
) -> None:
    project_id = await add_project(sessionmaker)
    ids = await add_people(sessionmaker, project_id, [person(n) for n in range(4)])
    keeps, opted, bounced, suppressed = ids
    async with sessionmaker.begin() as session:
        await session.execute(update(Respondent).where(Respondent.id == opted).values(opted_out_at=NOW))
        await session.execute(update(Respondent).where(Respondent.id == bounced).values(bounced_at=NOW))
        digest = await session.scalar(select(Respondent.email_hash).where(Respondent.id == suppressed))
        await session.execute(
            insert(SurveySuppression), [{"email_hash": digest, "reason": "opted_out_everywhere", "created_at": NOW}]
        )
    clock = Clock(NOW)
    surveys, task = activities(sessionmaker, clock), wave_task(project_id)

    first = await run(surveys.open_survey_wave, task)
    (latecomer,) = await add_people(sessionmaker, project_id, [person(9)])
    clock.now = NOW + timedelta(days=2)
    second = await run(surveys.open_survey_wave, task)

    assert (first.emails_queued, second.emails_queued, second.counts.invited) == (1, 1, 2)
    assert not first.deliver  # no SMTP: e-mails are held for the dashboard only
    assert set(await tokens_by_respondent(sessionmaker, first.delivery_key)) == {keeps, latecomer}


async def test_the_fatigue_cap_defers_a_busy_person_until_their_oldest_counted_email_is_30_days_old(
    sessionmaker: Sessions,
) -> None:
    busy_project, project_id = await add_project(sessionmaker), await add_project(sessionmaker)
    busy, calm = await add_people(sessionmaker, project_id, [person(1), person(2)])
    async with sessionmaker.begin() as session:
        digest = await session.scalar(select(Respondent.email_hash).where(Respondent.id == busy))
        sent = [NOW - timedelta(days=d) for d in (25, 20, 10, 2)] + [NOW - timedelta(days=31)]  # last one too old
        await session.execute(
            insert(OutboxEmail),
            [
                {
                    "dedupe_key": f"elsewhere-{n}",
                    "event_id": "followup/elsewhere:w0:invite",
                    "project_id": busy_project,
                    "audience": "respondent",
                    "to_name": "Person p1",
                    "to_address": "p1@respondents.example",
                    "subject": "s",
                    "body": "b",
                    "created_at": at,
                    "status": "sent",
                    "kind": "survey",
                    "recipient_hash": digest,
                }
                for n, at in enumerate(sent)
            ],
        )
    clock = Clock(NOW)
    surveys, task = activities(sessionmaker, clock), wave_task(project_id)
    released_at = NOW - timedelta(days=25) + timedelta(days=30)

    held = await run(surveys.open_survey_wave, task)
    clock.now = released_at - timedelta(minutes=1)
    still_held = await run(surveys.open_survey_wave, task)
    clock.now = released_at
    released = await run(surveys.open_survey_wave, task)
    again = await run(surveys.open_survey_wave, task)

    assert (held.emails_queued, held.counts.invited, held.counts.deferred) == (1, 1, 1)
    assert held.deferred_until == released_at and still_held.emails_queued == 0
    assert (released.emails_queued, released.counts.invited, released.counts.deferred) == (1, 2, 0)
    assert released.deferred_until is None and again.emails_queued == 0
    assert set(await tokens_by_respondent(sessionmaker, held.delivery_key)) == {busy, calm}


async def test_reminders_reach_only_the_silent_once_per_round_with_links_that_work(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    answers, leaves, silent = await add_people(sessionmaker, project_id, [person(n) for n in range(3)])
    clock = Clock(NOW)
    surveys = activities(sessionmaker, clock)
    opened = await run(surveys.open_survey_wave, wave_task(project_id))
    invites = await tokens_by_respondent(sessionmaker, opened.delivery_key)
    async with sessionmaker.begin() as session:
        await save_response(session, invites[answers], {"skills": 5}, "en", NOW + timedelta(days=1))
    async with sessionmaker.begin() as session:
        await opt_out(session, raw_token=invites[leaves], everywhere=False, now=NOW + timedelta(days=1))

    clock.now = NOW + timedelta(days=7)
    first = await run(surveys.remind_survey_wave, wave_task(project_id, round=1))
    repeated = await run(surveys.remind_survey_wave, wave_task(project_id, round=1))
    clock.now = NOW + timedelta(days=14)
    second = await run(surveys.remind_survey_wave, wave_task(project_id, round=2))

    assert first.delivery_key == f"followup/{project_id}:w0:r1"
    assert (first.emails_queued, repeated.emails_queued, second.emails_queued) == (1, 0, 1)
    assert (second.counts.invited, second.counts.reminded, second.counts.answered, second.counts.opted_out) == (
        3,
        1,
        1,
        1,
    )
    reminder = await tokens_by_respondent(sessionmaker, first.delivery_key)
    latest = await tokens_by_respondent(sessionmaker, second.delivery_key)
    assert set(reminder) == {silent} and len({reminder[silent], invites[silent], latest[silent]}) == 3
    async with sessionmaker() as session:
        by_latest = await resolve_token(session, latest[silent], clock.now)
        by_reminder = await resolve_token(session, reminder[silent], clock.now)
        by_invitation = await resolve_token(session, invites[silent], clock.now)
        invitation = await session.get_one(SurveyInvitation, (project_id, 0, silent))
    assert isinstance(by_latest, ResolvedToken) and by_latest.token.expires_at == NOW + timedelta(days=30)
    # Issue 14: each reminder (the resend) retires the person's earlier links of the wave (they used
    # to keep working until the wave closed): only the newest opens the survey.
    for old in (by_reminder, by_invitation):
        assert isinstance(old, TokenRefusal) and old.problem is TokenProblem.EXPIRED
    assert (invitation.reminders, invitation.last_reminded_at) == (2, NOW + timedelta(days=14))


async def test_closing_a_wave_expires_every_link_and_returns_the_final_counts(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    ids = await add_people(sessionmaker, project_id, [person(n) for n in range(4)])
    clock = Clock(NOW)
    surveys, task = activities(sessionmaker, clock), wave_task(project_id)
    opened = await run(surveys.open_survey_wave, task)
    tokens = await tokens_by_respondent(sessionmaker, opened.delivery_key)
    async with sessionmaker.begin() as session:
        await save_response(session, tokens[ids[0]], {"skills": 3}, "en", NOW + timedelta(days=3))

    clock.now = NOW + timedelta(days=20)  # closed early, before the links' own expiry
    closed = await run(surveys.close_survey_wave, task)
    closed_again = await run(surveys.close_survey_wave, task)
    late_reminder = await run(surveys.remind_survey_wave, wave_task(project_id, round=1))
    reopened = await run(surveys.open_survey_wave, task)

    assert (closed.counts.invited, closed.counts.answered, closed.counts.response_rate) == (4, 1, 0.25)
    assert closed_again.counts == closed.counts and not closed.deliver
    assert late_reminder.emails_queued == 0 and reopened.emails_queued == 0
    async with sessionmaker() as session:
        found = await resolve_token(session, tokens[ids[1]], clock.now)
        expiries = set(await session.scalars(select(SurveyToken.expires_at)))
        held = {(r.status, r.sealed_link) for r in await session.scalars(select(OutboxEmail))}
    assert isinstance(found, TokenRefusal) and found.problem is TokenProblem.CLOSED
    assert expiries == {NOW + timedelta(days=20)}
    assert held == {("held", None)}, "a closed wave's held e-mails keep no personal link (issue 14)"


async def test_an_invitation_in_welsh_carries_the_personal_links_title_and_local_closing_time(
    sessionmaker: Sessions,
) -> None:
    project_id = await add_project(sessionmaker, timezone="Europe/London")
    welsh, english, other = await add_people(
        sessionmaker, project_id, [person(1, language="cy"), person(2), person(3, language="fr")]
    )
    surveys = activities(sessionmaker, Clock(NOW))
    report = await run(surveys.open_survey_wave, wave_task(project_id, due=datetime.fromisoformat("2027-06-01T09:00Z")))

    async with sessionmaker() as session:
        emails = {e.respondent_id: e for e in await session.scalars(select(OutboxEmail))}
    cy, en, fr = emails[welsh], emails[english], emails[other]
    # Staff read placeholders; the link delivery sends is the sealed one (the token is never in the body).
    assert "[personal survey link]\n" in cy.body and "[personal opt-out link]" in cy.body and "/s/" not in cy.body
    sent = delivered_body(cy)
    raw = token_in(sent)
    assert f"https://engage.example/s/{raw}\n" in sent and f"https://engage.example/s/{raw}/opt-out" in sent
    assert cy.body.startswith("Annwyl Person p1,") and "Voices of the Docks" in cy.subject
    assert "Dydd Iau 1 Gorffennaf 2027 am 10:00 BST" in cy.body  # 09:00 UTC + 30 days, shown in London time
    assert en.body.startswith("Dear Person p2,") and "Thursday 1 July 2027 at 10:00 BST" in en.body
    assert fr.body.startswith("Dear Person p3,")  # no French templates: English
    assert report.emails_queued == 3


async def test_an_unknown_instrument_or_round_zero_fails_without_retrying(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    surveys = activities(sessionmaker, Clock(NOW))
    task = wave_task(project_id).model_copy(update={"instrument": "no-such@9"})

    with pytest.raises(ApplicationError) as unknown:
        await run(surveys.open_survey_wave, task)
    with pytest.raises(ApplicationError) as zero:
        await run(surveys.remind_survey_wave, wave_task(project_id, round=0))
    with pytest.raises(ApplicationError) as no_project:
        await run(surveys.open_survey_wave, wave_task("missing-project"))

    assert (unknown.value.type, unknown.value.non_retryable) == ("UnknownInstrument", True)
    assert (zero.value.type, zero.value.non_retryable) == ("InvalidRound", True)
    assert (no_project.value.type, no_project.value.non_retryable) == ("UnknownProject", True)


async def test_planning_waves_runs_the_domain_plan_on_the_local_calendar() -> None:
    request = PlanRequest(
        anchor_at=datetime.fromisoformat("2027-01-15T16:00Z"),
        offsets=(IsoDuration("P3M"), IsoDuration("PT30S")),
        first_index=1,
        timezone="Europe/London",
        policy=FollowUpPolicy(),
    )

    plans = (await ActivityEnvironment().run(plan_follow_up_waves, request)).plans

    assert [p.index for p in plans] == [1, 2]
    assert plans[0].due_at == datetime.fromisoformat("2027-04-15T09:00Z")  # 10:00 BST
    assert plans[1].due_at == datetime.fromisoformat("2027-01-15T16:00:30Z")


async def test_waves_opened_as_local_activities_at_one_moment_share_transactions_and_invite_once(
    sessionmaker: Sessions,
) -> None:
    """The fan-out path (patch 6-wave-local): many projects' waves due together, opened concurrently as
    local activities, are written in batches; every project still gets exactly its own invitations."""
    projects = [await add_project(sessionmaker) for _ in range(12)]
    for n, project_id in enumerate(projects):
        await add_people(sessionmaker, project_id, [person(i, tag=f"l{n}-") for i in range(3)])
    surveys = activities(sessionmaker, Clock(NOW))
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, is_local=True)

    async def open_all() -> list[WaveReport]:
        return list(await asyncio.gather(*(env.run(surveys.open_survey_wave, wave_task(p)) for p in projects)))

    first = await open_all()
    first_batches = dataclasses.replace(surveys.opening_stats)
    again = await open_all()

    # The first caller writes alone; the eleven that arrived meanwhile share the next transaction(s).
    assert first_batches.items == 12 and first_batches.transactions < 12
    assert [r.emails_queued for r in first] == [3] * 12 and [r.emails_queued for r in again] == [0] * 12
    assert all(r.counts.invited == 3 for r in again)
    assert await count(sessionmaker, OutboxEmail) == 36
    for project_id, report in zip(projects, first, strict=True):
        assert report.delivery_key == f"followup/{project_id}:w0:invite"
        assert len(await tokens_by_respondent(sessionmaker, report.delivery_key)) == 3


async def test_a_new_wave_asks_the_newest_instrument_version_and_an_opened_wave_keeps_its_own(
    sessionmaker: Sessions,
) -> None:
    """Issue 16: v2 of each instrument asks consent to quote. The policy still names `@1` (it is in every
    running follow-up's history); a wave opening for the first time pins `@2`, and a wave whose row was
    written with `@1` keeps `@1` however often it is opened again, so its answers validate as before."""
    from store.surveys.writes_wave_open import open_wave
    from store.tables import SurveyWave
    from tests.store.survey_builders import mail_at

    project_id = await add_project(sessionmaker)
    await add_people(sessionmaker, project_id, [person(1)])
    surveys = activities(sessionmaker, Clock(NOW))
    assert wave_task(project_id).instrument == "community-project@1"
    async with sessionmaker.begin() as session:  # wave 1 opened before v2 shipped: its row says @1
        await open_wave(session, wave_task(project_id, 1), mail_at(NOW))

    await run(surveys.open_survey_wave, wave_task(project_id, 0))
    await run(surveys.open_survey_wave, wave_task(project_id, 1))

    async with sessionmaker() as session:
        rows = (await session.execute(select(SurveyWave.wave_index, SurveyWave.instrument))).all()
    pinned = {index: ref for index, ref in rows}
    assert pinned == {0: "community-project@2", 1: "community-project@1"}
