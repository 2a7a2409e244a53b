"""store.surveys, the API's side of follow-up surveys, on both databases: respondents with per-row
results, tokens resolved or refused with a reason, one answer per wave, opt-outs, and the report."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from domain.respondents import TokenProblem
from store.hashing import email_hash
from store.surveys.reads import (
    ResolvedToken,
    TokenRefusal,
    list_respondents,
    parse_delivery_key,
    resolve_token,
)
from store.surveys.reads_reports import responses_for_csv, wave_report
from store.surveys.writes import (
    NewRespondent,
    OptedOut,
    SavedResponse,
    add_respondent,
    add_respondents,
    opt_out,
    save_response,
)
from store.surveys.writes_wave_mail import invite_key, remind_key
from store.tables import SurveyInvitation, SurveyResponse, SurveySuppression, SurveyToken
from store.upserts import insert_ignore_returning
from tests.store.survey_builders import (
    NOW,
    Sessions,
    add_people,
    add_project,
    close_at,
    open_at,
    person,
    remind_at,
    tokens_by_respondent,
    wave_task,
)

ANSWERS = {"skills": 4, "story": "We still meet monthly."}


async def test_adding_respondents_reports_each_row_and_refuses_duplicates_and_bad_rows(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    rows = [
        person(1),
        NewRespondent(name="Dup", email="  P1@Respondents.EXAMPLE ", role="participant"),
        NewRespondent(name="Bad", email="not-an-address", role="participant"),
        NewRespondent(name="Role", email="r@respondents.example", role="visitor"),
        NewRespondent(name="", email="n@respondents.example", role="participant"),
        person(2, language="CY", role="partner_staff"),
    ]
    async with sessionmaker.begin() as session:
        results = await add_respondents(session, project_id, rows, NOW)
    async with sessionmaker.begin() as session:
        again = await add_respondent(session, project_id, person(2), NOW)
        listed = await list_respondents(session, project_id)

    assert [(r.row, r.status, r.field) for r in results] == [
        (0, "added", None),
        (1, "duplicate", "email"),
        (2, "invalid", "email"),
        (3, "invalid", "role"),
        (4, "invalid", "name"),
        (5, "added", None),
    ]
    assert results[1].respondent_id == results[0].respondent_id
    assert (again.status, again.respondent_id) == ("duplicate", results[5].respondent_id)
    assert sorted((r.email_hash, r.language) for r in listed) == sorted(
        [(email_hash("p1@respondents.example"), "en"), (email_hash("p2@respondents.example"), "cy")]
    )
    assert email_hash("  P1@Respondents.EXAMPLE ") == email_hash("p1@respondents.example")


async def test_a_token_resolves_to_its_respondent_and_wave_and_only_its_hash_is_stored(
    sessionmaker: Sessions,
) -> None:
    project_id = await add_project(sessionmaker)
    (alice,) = await add_people(sessionmaker, project_id, [person(1)])
    task = wave_task(project_id)
    await open_at(sessionmaker, task)
    raw = (await tokens_by_respondent(sessionmaker, f"followup/{project_id}:w0:invite"))[alice]

    async with sessionmaker() as session:
        resolved = await resolve_token(session, raw, NOW + timedelta(days=1))
        stored = list(await session.scalars(select(SurveyToken.token_hash)))

    assert isinstance(resolved, ResolvedToken)
    assert (resolved.respondent.id, resolved.wave.wave_index, resolved.wave.instrument) == (alice, 0, task.instrument)
    assert len(raw) >= 32 and raw not in stored and len(stored) == 1


async def test_refusals_name_the_reason_unknown_expired_answered_opted_out_and_closed(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    ids = await add_people(sessionmaker, project_id, [person(n) for n in range(3)])
    task = wave_task(project_id)
    await open_at(sessionmaker, task)
    tokens = await tokens_by_respondent(sessionmaker, f"followup/{project_id}:w0:invite")
    answerer, leaver, other = (tokens[i] for i in ids)
    later = NOW + timedelta(days=2)

    async with sessionmaker.begin() as session:
        assert isinstance(await save_response(session, answerer, ANSWERS, "en", later), SavedResponse)
    async with sessionmaker.begin() as session:
        assert isinstance(await opt_out(session, raw_token=leaver, everywhere=False, now=later), OptedOut)

    async def problem(raw: str, at: datetime) -> TokenProblem | None:
        async with sessionmaker() as session:
            found = await resolve_token(session, raw, at)
        return found.problem if isinstance(found, TokenRefusal) else None

    assert await problem("no-such-token", later) is TokenProblem.UNKNOWN
    assert await problem(answerer, later) is TokenProblem.ANSWERED
    assert await problem(leaver, later) is TokenProblem.OPTED_OUT
    assert await problem(other, later) is None
    assert await problem(other, task.plan.closes_at) is TokenProblem.EXPIRED  # still open, link past its time
    await close_at(sessionmaker, task, later)
    assert await problem(other, later) is TokenProblem.CLOSED


async def test_a_second_answer_is_refused_and_the_first_is_kept(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    (alice,) = await add_people(sessionmaker, project_id, [person(1)])
    await open_at(sessionmaker, wave_task(project_id))
    raw = (await tokens_by_respondent(sessionmaker, f"followup/{project_id}:w0:invite"))[alice]

    async with sessionmaker.begin() as session:
        first = await save_response(session, raw, ANSWERS, "cy", NOW + timedelta(hours=1))
    async with sessionmaker.begin() as session:
        second = await save_response(session, raw, {"skills": 1}, "en", NOW + timedelta(hours=2))
    async with sessionmaker() as session:
        stored = list(await session.scalars(select(SurveyResponse)))

    assert isinstance(first, SavedResponse) and first.respondent_id == alice
    assert isinstance(second, TokenRefusal) and second.problem is TokenProblem.ANSWERED
    assert [(r.id, r.answers, r.language) for r in stored] == [(first.response_id, ANSWERS, "cy")]


async def test_opting_out_everywhere_suppresses_the_person_on_every_project(sessionmaker: Sessions) -> None:
    first_project, second_project = await add_project(sessionmaker), await add_project(sessionmaker)
    (here,) = await add_people(sessionmaker, first_project, [person(1)])
    there, bystander = await add_people(sessionmaker, second_project, [person(1), person(2)])
    await open_at(sessionmaker, wave_task(first_project))
    raw = (await tokens_by_respondent(sessionmaker, f"followup/{first_project}:w0:invite"))[here]

    async with sessionmaker.begin() as session:
        done = await opt_out(session, raw_token=raw, everywhere=True, now=NOW)
    async with sessionmaker.begin() as session:
        repeated = await opt_out(session, respondent_id=here, everywhere=True, now=NOW + timedelta(days=1))
    report = await open_at(sessionmaker, wave_task(second_project))
    async with sessionmaker() as session:
        suppressed = list((await session.execute(select(SurveySuppression.email_hash, SurveySuppression.reason))).all())
        people = {r.id: r.opted_out_at for r in await list_respondents(session, second_project)}

    assert done == OptedOut(here, first_project, True) and isinstance(repeated, OptedOut)
    assert suppressed == [(email_hash("p1@respondents.example"), "opted_out_everywhere")]
    assert people == {there: NOW, bystander: None}
    assert (report.counts.invited, report.emails_queued) == (1, 1)
    assert set(await tokens_by_respondent(sessionmaker, f"followup/{second_project}:w0:invite")) == {bystander}


async def test_opting_out_with_an_unknown_token_is_refused(sessionmaker: Sessions) -> None:
    async with sessionmaker.begin() as session:
        refused = await opt_out(session, raw_token="made-up", everywhere=True, now=NOW)

    assert isinstance(refused, TokenRefusal) and refused.problem is TokenProblem.UNKNOWN


async def test_the_wave_report_counts_each_wave_and_the_csv_has_every_answer(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    ids = await add_people(sessionmaker, project_id, [person(n) for n in range(5)])
    first, second = wave_task(project_id, 0), wave_task(project_id, 1, due=NOW + timedelta(days=90))
    await open_at(sessionmaker, first)
    tokens = await tokens_by_respondent(sessionmaker, f"followup/{project_id}:w0:invite")
    async with sessionmaker.begin() as session:
        await save_response(session, tokens[ids[0]], ANSWERS, "en", NOW + timedelta(days=1))
    async with sessionmaker.begin() as session:
        await save_response(session, tokens[ids[1]], {"skills": 2}, "en", NOW + timedelta(days=2))
    async with sessionmaker.begin() as session:
        await opt_out(session, raw_token=tokens[ids[2]], everywhere=False, now=NOW + timedelta(days=3))
    await remind_at(sessionmaker, wave_task(project_id, 0, round=1), NOW + timedelta(days=7))
    await close_at(sessionmaker, first, NOW + timedelta(days=30))
    await open_at(sessionmaker, second, NOW + timedelta(days=90))

    async with sessionmaker() as session:
        report = await wave_report(session, project_id)
        csv_rows = await responses_for_csv(session, project_id)
        response_count = await session.scalar(select(func.count()).select_from(SurveyResponse))

    summary = [
        (w.wave_index, w.status, w.counts.invited, w.counts.reminded, w.counts.answered, w.counts.opted_out)
        for w in report
    ]
    assert summary == [(0, "closed", 5, 2, 2, 1), (1, "open", 4, 0, 0, 0)]
    assert report[0].response_rate == 0.4 and report[1].response_rate == 0.0
    assert report[0].due_at == NOW and report[0].offset == "P3M"
    assert response_count == 2
    assert [(r.wave_index, r.respondent_id, r.role, r.answers) for r in csv_rows] == [
        (0, ids[0], "participant", ANSWERS),
        (0, ids[1], "participant", {"skills": 2}),
    ]


def test_wave_delivery_keys_parse_back_to_their_project_and_wave() -> None:
    task = wave_task("proj:with:colons", 3, round=2)

    assert parse_delivery_key(invite_key(task)) == ("proj:with:colons", 3)
    assert parse_delivery_key(remind_key(task)) == ("proj:with:colons", 3)
    assert remind_key(task).endswith(":w3:r2")
    assert parse_delivery_key("project/abc:7") is None


async def test_claiming_rows_returns_only_those_this_call_inserted(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    first, second = await add_people(sessionmaker, project_id, [person(1), person(2)])
    await open_at(sessionmaker, wave_task(project_id))
    row = {"project_id": project_id, "wave_index": 0, "status": "invited", "reminders": 0}
    async with sessionmaker.begin() as session:
        await session.execute(delete(SurveyInvitation).where(SurveyInvitation.respondent_id == second))
        claimed = await insert_ignore_returning(
            session,
            SurveyInvitation,
            [{**row, "respondent_id": first}, {**row, "respondent_id": second}],
            SurveyInvitation.respondent_id,
        )

    assert claimed == [second]
