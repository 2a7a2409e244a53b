"""Follow-up surveys end to end: HTTP API + real worker + real database + real SMTP, in skipped time.

One story, because each step needs the ones before it. A co-curation project (schedule
["PT10S", "PT20S"]) gets three respondents, one of them from a CSV with a bad row alongside, and
is driven to follow_up over HTTP; before follow-up starts the schedule is changed through
ProjectWorkflow. Then the time-skipping server runs the FollowUpWorkflow child: the invitations
reach aiosmtpd with working /s/{token} links; one respondent answers through them, one opts out;
the pending wave is moved through FollowUpWorkflow.reschedule; reminders go only to the third; the
report, the CSV and the refusals (reuse 409, garbage 404, closed 410) are right; the second wave
invites only those still in; when the last wave closes, the project closes.

The API is given the time-skipping environment's client: its handles, queries and updates are
the production code paths, only the server's clock differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parseaddr
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from api.main import create_app
from api.settings import ApiSettings
from domain.durations import IsoDuration
from domain.follow_up import local_after
from tests.api.conftest import ADMIN_KEY, http_client
from tests.api.support import ok, project_body, review
from tests.api.survey_support import GOOD_ANSWERS
from tests.smtp_fixtures import SmtpServer
from worker import build_worker
from workflows.follow_up import FollowUpWorkflow
from workflows.naming import follow_up_workflow_id, project_workflow_id

T = TypeVar("T")
BASE_URL = "http://engage.test"
LINK = re.compile(re.escape(BASE_URL) + r"/s/([A-Za-z0-9_-]+)(?=\s)")
ADA, BRYN, CAI = "ada@respondents.example", "bryn@respondents.example", "cai@respondents.example"


@dataclass
class Story:
    env: WorkflowEnvironment
    http: httpx.AsyncClient
    anyone: httpx.AsyncClient
    smtp: SmtpServer
    sessionmaker: async_sessionmaker[AsyncSession]
    app: FastAPI


@pytest.fixture
async def story(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> AsyncIterator[Story]:
    env = time_skipping_env
    settings = ActivitySettings(SMTP_URL=smtp_server.url, ENGAGE_BASE_URL=BASE_URL)
    worker = build_worker(
        env.client, task_queue=task_queue, sessionmaker=sessionmaker, activity_settings=settings, strict_sandbox=True
    )
    app = create_app(
        ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue), client=env.client, sessionmaker=sessionmaker
    )
    async with worker, app.router.lifespan_context(app), http_client(app) as http, http_client(app, None) as anyone:
        yield Story(env, http, anyone, smtp_server, sessionmaker, app)


async def eventually(probe: Callable[[], Awaitable[T]], until: Callable[[T], bool], within: float = 20.0) -> T:
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if until(result):
            return result
        assert time.monotonic() < deadline, f"not met within {within}s; last: {result!r}"
        await asyncio.sleep(0.05)


def survey_mail(story: Story) -> list[Message]:
    """The messages to respondents (project e-mails go to the partner and the lead)."""
    return [m for m in story.smtp.collector.messages if parseaddr(m["To"])[1].endswith("@respondents.example")]


def to(message: Message) -> str:
    return parseaddr(message["To"])[1]


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


async def mail_after(story: Story, seen: int, expected: int) -> list[Message]:
    """Wait for `expected` new respondent messages after the first `seen`, then make sure no more come."""
    messages = await eventually(lambda: _now(survey_mail(story)), lambda ms: len(ms) >= seen + expected)
    await asyncio.sleep(0.5)  # a stray extra message would arrive within this
    assert len(survey_mail(story)) == seen + expected, [to(m) for m in survey_mail(story)[seen:]]
    return messages[seen:]


async def _now(value: T) -> T:
    return value


async def drive_to_follow_up(
    story: Story, project_id: str, partner: httpx.AsyncClient, extra: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """Every stage's work over HTTP, as staff and the partner would (dates in the past close at once).

    `extra`: more fields for a milestone's submission, by milestone key (a cost, a reflection's ratings).
    """
    http, now = story.http, datetime.now(UTC)
    more = extra or {}

    async def submit(client: httpx.AsyncClient, pid: str, key: str) -> httpx.Response:
        body = {"summary": f"Evidence for {key}", "links": ["https://example.org/evidence"], **more.get(key, {})}
        return await client.post(f"/api/v1/projects/{pid}/milestones/{key}/submissions", json=body)

    ok(await submit(partner, project_id, "proposal"), 201)
    ok(await review(http, project_id, "proposal"), 200)
    ok(await submit(partner, project_id, "partnership_agreement"), 201)
    ok(await review(http, project_id, "partnership_agreement"), 200)
    session = {
        "title": "Choosing objects",
        "starts_at": (now - timedelta(hours=3)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat(),
        "place": "Community room",
    }
    ok(await http.post(f"/api/v1/projects/{project_id}/workshops", json=session), 201)
    ok(await submit(http, project_id, "access_needs"), 201)
    await stage_is(story, project_id, "workshops")
    ok(await http.post(f"/api/v1/projects/{project_id}/workshops/w1/attendance", json={"attendance": 9}), 200)
    ok(await submit(partner, project_id, "object_selection"), 201)
    ok(await review(http, project_id, "object_selection"), 200)
    await stage_is(story, project_id, "display")
    for key in ("display_content", "labels"):
        ok(await submit(partner, project_id, key), 201)
        ok(await review(http, project_id, key), 200)
    ok(await submit(http, project_id, "installation"), 201)
    display = {
        "title": "Voices of the River",
        "location": "Gallery 3",
        "opens_at": (now - timedelta(days=30)).isoformat(),
        "closes_at": (now - timedelta(days=1)).isoformat(),
    }
    ok(await http.put(f"/api/v1/projects/{project_id}/display", json=display), 200)
    await stage_is(story, project_id, "evaluation")
    ok(await submit(partner, project_id, "partner_reflection"), 201)
    ok(await submit(http, project_id, "staff_reflection"), 201)


async def stage_is(story: Story, project_id: str, stage: str) -> dict[str, Any]:
    return await eventually(
        lambda: _json(story.http.get(f"/api/v1/projects/{project_id}")), lambda p: p["stage"] == stage
    )


async def _json(request: Awaitable[httpx.Response]) -> Any:
    return (await request).json()


async def report(story: Story, project_id: str) -> dict[str, Any]:
    return ok(await story.http.get(f"/api/v1/projects/{project_id}/follow-up"), 200)


async def test_follow_up_surveys_run_end_to_end_with_real_mail_links_answers_and_opt_outs(story: Story) -> None:
    env, http, anyone = story.env, story.http, story.anyone
    partner = ok(
        await http.post(
            "/api/v1/partners",
            json={"name": "Riverside Archive", "contact_name": "Contact", "contact_email": "contact@partner.example"},
        ),
        201,
    )
    project = ok(
        await http.post("/api/v1/projects", json=project_body([partner["id"]], follow_up_schedule=["PT10S", "PT20S"])),
        201,
    )
    pid = project["id"]
    try:
        # Respondents: two one by one, one from a CSV next to a bad row.
        for name, email, language in (("Ada", ADA, "en"), ("Bryn", BRYN, "cy")):
            body = {"name": name, "email": email, "language": language, "role": "participant"}
            ok(await http.post(f"/api/v1/projects/{pid}/respondents", json=body), 201)
        csv_text = f"name,email,language,role\nCai,{CAI},en,partner_staff\nNobody,not-an-address,en,participant\n"
        files = {"file": ("people.csv", csv_text.encode(), "text/csv")}
        imported = ok(await http.post(f"/api/v1/projects/{pid}/respondents/import", files=files), 200)
        assert [(r["row"], r["status"], r["field"]) for r in imported["rows"]] == [
            (2, "added", None),
            (3, "refused", "email"),
        ]

        # Before follow-up: the schedule belongs to ProjectWorkflow.
        not_started = await report(story, pid)
        assert not_started["started"] is False and not_started["schedule"] == ["PT10S", "PT20S"]
        moved = ok(
            await http.put(f"/api/v1/projects/{pid}/follow-up/schedule", json={"offsets": ["PT10S", "P20D"]}), 200
        )
        assert moved == {**not_started, "schedule": ["PT10S", "P20D"]}

        key = ok(await http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)["key"]
        async with http_client(story.app, key) as as_partner:
            await drive_to_follow_up(story, pid, as_partner)
        await stage_is(story, pid, "follow_up")
        planned = await eventually(lambda: report(story, pid), lambda r: len(r["waves"]) == 2)
        assert planned["started"] is True and [w["status"] for w in planned["waves"]] == ["scheduled", "scheduled"]
        anchor = datetime.fromisoformat(planned["anchor_at"])

        # Wave 0 goes out 10 seconds after the project's end: three invitations with working links.
        await env.sleep(timedelta(seconds=12))
        invitations = await mail_after(story, 0, 3)
        assert sorted(to(m) for m in invitations) == [ADA, BRYN, CAI]
        links = {to(m): LINK.search(body_of(m)) for m in invitations}
        tokens = {address: match.group(1) for address, match in links.items() if match is not None}
        assert set(tokens) == {ADA, BRYN, CAI}, "every invitation carries a personal link"
        assert f"{BASE_URL}/s/{tokens[ADA]}/opt-out" in body_of(next(m for m in invitations if to(m) == ADA))

        # The pending wave moves (FollowUpWorkflow.reschedule); the one already sent does not.
        before = await report(story, pid)
        rescheduled = ok(await http.put(f"/api/v1/projects/{pid}/follow-up/schedule", json={"offsets": ["P40D"]}), 200)
        plan = ("index", "offset", "due_at", "reminders_at", "closes_at", "status", "opened_at")
        assert {k: rescheduled["waves"][0][k] for k in plan} == {k: before["waves"][0][k] for k in plan}
        assert rescheduled["waves"][0]["status"] == "open"
        assert [w["offset"] for w in rescheduled["waves"]] == ["PT10S", "P40D"]
        expected_due = local_after(anchor, IsoDuration("P40D"), "Europe/London", 10)
        assert datetime.fromisoformat(rescheduled["waves"][1]["due_at"]) == expected_due

        # Ada follows her link and answers; Bryn opts out.
        page = await anyone.get(f"/s/{tokens[ADA]}")
        assert page.status_code == 200 and "How has the project stayed with you?" in page.text
        survey = ok(await anyone.get(f"/api/v1/surveys/{tokens[ADA]}"), 200)
        assert survey["wave"]["index"] == 0
        ok(await anyone.post(f"/api/v1/surveys/{tokens[ADA]}/responses", json={"answers": GOOD_ANSWERS}), 201)
        reused = await anyone.post(f"/api/v1/surveys/{tokens[ADA]}/responses", json={"answers": GOOD_ANSWERS})
        assert reused.status_code == 409 and reused.json()["errors"][0]["reason"] == "answered"
        assert ok(await anyone.post(f"/api/v1/surveys/{tokens[BRYN]}/opt-out", json={}), 200)["opted_out"] is True
        assert (await anyone.get("/api/v1/surveys/garbage-token-that-is-long-enough")).status_code == 404
        # The workflow heard of both by signal (best effort; the database is what reminders read).
        follow_up = env.client.get_workflow_handle_for(FollowUpWorkflow.run, follow_up_workflow_id(pid))
        heard = await eventually(
            lambda: follow_up.query(FollowUpWorkflow.status), lambda s: s.answers_signalled + s.opt_outs_signalled == 2
        )
        assert (heard.answers_signalled, heard.opt_outs_signalled) == (1, 1)

        # A week later the first reminder goes to Cai alone.
        await env.sleep(timedelta(days=8))
        reminders = await mail_after(story, 3, 1)
        assert [to(m) for m in reminders] == [CAI]
        reminder_link = LINK.search(body_of(reminders[0]))
        assert reminder_link is not None, "the reminder carries a personal link"
        assert ok(await anyone.get(f"/api/v1/surveys/{reminder_link.group(1)}"), 200)["wave"]["index"] == 0

        counted = await report(story, pid)
        wave0 = counted["waves"][0]
        counts = {k: wave0[k] for k in ("invited", "reminded", "answered", "opted_out", "bounced", "deferred")}
        assert counts == {"invited": 3, "reminded": 1, "answered": 1, "opted_out": 1, "bounced": 0, "deferred": 0}
        assert wave0["response_rate"] == 0.3333

        exported = await http.get(f"/api/v1/projects/{pid}/responses.csv")
        lines = exported.text.splitlines()
        assert len(lines) == 2 and ",0,PT10S," in lines[1] and "visited;shared_skills" in lines[1]
        assert "@" not in exported.text

        # The second reminder (Cai again), then the wave closes: late links are politely refused.
        await env.sleep(timedelta(days=23))
        await eventually(lambda: report(story, pid), lambda r: r["waves"][0]["status"] == "closed")
        assert [to(m) for m in await mail_after(story, 4, 1)] == [CAI]
        late = await anyone.post(f"/api/v1/surveys/{tokens[CAI]}/responses", json={"answers": GOOD_ANSWERS})
        assert late.status_code == 410 and late.json()["errors"][0]["reason"] == "closed"
        closed_page = await anyone.get(f"/s/{tokens[CAI]}")
        assert closed_page.status_code == 410 and "This survey has closed" in closed_page.text
        assert (await anyone.get(f"/api/v1/surveys/{tokens[ADA]}")).status_code == 409

        # Wave 1 (moved to 40 days) invites only those still in: Bryn opted out of the project.
        await env.sleep(timedelta(days=10))
        second = await mail_after(story, 5, 2)
        assert sorted(to(m) for m in second) == [ADA, CAI]

        # When the last wave closes, follow-up ends and the project closes itself.
        await env.sleep(timedelta(days=31))
        closed = await stage_is(story, pid, "closed")
        assert closed["ended_reason"] == "the last follow-up wave closed"
        final = await report(story, pid)
        assert final["finished"] is True and [w["status"] for w in final["waves"]] == ["closed", "closed"]
        refused = await http.put(f"/api/v1/projects/{pid}/follow-up/schedule", json={"offsets": ["P1Y"]})
        assert refused.status_code == 409, refused.text
    finally:
        for workflow_id in (follow_up_workflow_id(pid), project_workflow_id(pid)):
            handle = env.client.get_workflow_handle(workflow_id)
            with contextlib.suppress(RPCError):  # already completed is fine
                await handle.terminate("test finished")
