"""store.surveys.writes_wave_open.open_waves on both databases: many projects' waves opened in one call, each with the
outcome it would get opened alone — a closed wave stays closed, a wave named twice invites once,
and the cross-project fatigue cap sees what an earlier wave of the same batch queued."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.follow_up import WaveReport
from store.surveys.writes_wave_mail import UnknownProject, WaveOpening
from store.surveys.writes_wave_open import open_waves
from store.tables import OutboxEmail, SurveyInvitation, SurveyWave
from tests.store.survey_builders import (
    NOW,
    Sessions,
    add_people,
    add_project,
    close_at,
    mail_at,
    person,
    tokens_by_respondent,
    wave_task,
)


async def _open(sessionmaker: Sessions, openings: list[WaveOpening]) -> list[WaveReport]:
    async with sessionmaker.begin() as session:
        return await open_waves(session, openings)


async def _count(sessionmaker: Sessions, table: type, *where: object) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)  # type: ignore[arg-type]


async def test_many_waves_opened_together_each_invite_their_own_people_once(sessionmaker: Sessions) -> None:
    projects = [await add_project(sessionmaker) for _ in range(4)]
    sizes = (3, 2, 0, 2)
    people = [
        await add_people(sessionmaker, p, [person(i, tag=f"x{n}") for i in range(k)])
        for n, (p, k) in enumerate(zip(projects, sizes, strict=True))
    ]
    closed = wave_task(projects[3])
    await close_at(sessionmaker, closed, NOW - timedelta(days=1))  # closed before it ever opened

    reports = await _open(sessionmaker, [(wave_task(p), mail_at(NOW)) for p in projects])

    assert [r.emails_queued for r in reports] == [3, 2, 0, 0]
    assert [r.counts.invited for r in reports] == [3, 2, 0, 0]
    for project_id, report, invited in zip(projects[:2], reports, people, strict=False):
        assert set(await tokens_by_respondent(sessionmaker, report.delivery_key)) == set(invited)
        assert report.delivery_key == f"followup/{project_id}:w0:invite"
    async with sessionmaker() as session:
        statuses = dict((await session.execute(select(SurveyWave.project_id, SurveyWave.status))).all())
    assert statuses == {projects[0]: "open", projects[1]: "open", projects[2]: "open", projects[3]: "closed"}
    again = await _open(sessionmaker, [(wave_task(p), mail_at(NOW + timedelta(hours=1))) for p in projects])
    assert [r.emails_queued for r in again] == [0, 0, 0, 0]
    assert await _count(sessionmaker, OutboxEmail) == 5


async def test_a_wave_named_twice_in_one_call_invites_once(sessionmaker: Sessions) -> None:
    project_id = await add_project(sessionmaker)
    await add_people(sessionmaker, project_id, [person(1), person(2)])
    task = wave_task(project_id)
    first, second = await _open(sessionmaker, [(task, mail_at(NOW)), (task, mail_at(NOW))])
    assert (first.emails_queued, second.emails_queued) == (2, 0)
    assert second.counts.invited == 2
    assert await _count(sessionmaker, SurveyInvitation) == 2


async def test_the_fatigue_cap_sees_what_an_earlier_wave_of_the_same_call_queued(sessionmaker: Sessions) -> None:
    # The same person is a respondent of two projects; with a cap of one survey e-mail per 30 days,
    # opening both waves together must invite them once and defer the other, as one-by-one would.
    first_project, second_project = await add_project(sessionmaker), await add_project(sessionmaker)
    (shared_first,) = await add_people(sessionmaker, first_project, [person(1)])
    shared_second, other = await add_people(sessionmaker, second_project, [person(1), person(2)])

    first, second = await _open(
        sessionmaker,
        [(wave_task(first_project), mail_at(NOW, cap=1)), (wave_task(second_project), mail_at(NOW, cap=1))],
    )

    assert (first.emails_queued, first.counts.invited, first.counts.deferred) == (1, 1, 0)
    assert (second.emails_queued, second.counts.invited, second.counts.deferred) == (1, 1, 1)
    assert second.deferred_until == NOW + timedelta(days=30)
    assert set(await tokens_by_respondent(sessionmaker, second.delivery_key)) == {other}
    deferred = SurveyInvitation.status == "deferred"
    assert await _count(sessionmaker, SurveyInvitation, deferred, SurveyInvitation.respondent_id == shared_second) == 1
    assert set(await tokens_by_respondent(sessionmaker, first.delivery_key)) == {shared_first}


async def test_a_wave_of_an_unknown_project_refuses_the_call(sessionmaker: Sessions) -> None:
    known = await add_project(sessionmaker)
    with pytest.raises(UnknownProject):
        await _open(sessionmaker, [(wave_task(known), mail_at(NOW)), (wave_task("no-such-project"), mail_at(NOW))])
    assert await _count(sessionmaker, SurveyWave) == 0  # the caller's transaction rolled back whole
