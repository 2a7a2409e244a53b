"""The rights of access and erasure over HTTP, end to end (dev server, real worker, SQLite and PostgreSQL).

One person is everywhere at once: a partner's contact, a project's lead, a respondent with an answer and
a wave still to come, an applicant whose application is pending in a running programme, with e-mails
to them in the outbox. Staff export finds each record with its source; an admin's erasure scrubs them
all, tells the running project and programme to forget the person, suppresses the address, and records
why without saying whom. Addresses are made-up `.example` ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.main import API_RETRY, create_app
from api.settings import ApiSettings
from domain.submissions import Person
from store.hashing import email_hash
from store.projects.writes import project_row
from store.tables import AuditEntry, OutboxEmail, Project, SurveySuppression
from tests.activities.builders import ProjectStory
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, programme, programme_body
from tests.api.support import create_partner, create_project, eventually, ok, partner_client, read_project, submit
from tests.api.survey_support import GOOD_ANSWERS, PEOPLE, answer, open_wave_now, survey_project
from tests.faults.processes import free_port
from tests.temporal_env import codec_converter

ADDRESS = "rosa.rights@people.example"
NAME = "Rosa Rights"
#: How others typed the same address: export and erasure compare ignoring case and surrounding spaces.
TYPED = "Rosa.Rights@People.example"
REASON = "Her request by e-mail of 6 December 2026 (ticket 4411)."


@dataclass
class Story:
    partner_id: str
    project_id: str
    survey_project: str
    respondent_id: str
    bystander_id: str
    year: int
    application_id: str


async def person_everywhere(api: Api) -> Story:
    contact = {"name": f"Rosa's Group {fresh_year()}", "contact_name": NAME, "contact_email": TYPED}
    partner_id = ok(await api.http.post("/api/v1/partners", json=contact), 201)["id"]
    project_id = (await create_project(api, [partner_id], lead={"name": NAME, "email": TYPED}))["id"]
    rosa = {"name": NAME, "email": ADDRESS, "language": "en", "role": "participant"}
    survey, (respondent_id, bystander_id) = await survey_project(api, people=[rosa, PEOPLE[0]])
    tokens = await open_wave_now(api, survey, 0)
    public = http_client(api.app, key=None)
    async with public:
        ok(await answer(public, tokens[respondent_id]), 201)
        year = fresh_year()
        ok(
            await api.http.post(
                "/api/v1/exchange/programmes", json=programme_body(year, [partner_id], closes_in=timedelta(hours=1))
            ),
            201,
        )
        async with await partner_client(api, partner_id) as as_partner:
            ok(await as_partner.post(f"/api/v1/exchange/programmes/{year}/partners/{partner_id}/confirm"), 200)
        application_id = ok(await apply(public, year, application_body(NAME, f" {TYPED} ", "museum")), 201)["id"]
    await eventually(lambda: programme(api.http, year), lambda p: p["applications_received"] == 1)
    return Story(partner_id, project_id, survey, respondent_id, bystander_id, year, application_id)


async def export(http: httpx.AsyncClient, email: str) -> dict[str, Any]:
    return ok(await http.get("/api/v1/people/export", params={"email": email}), 200)


async def audit_rows(api: Api) -> list[AuditEntry]:
    async with api.sessionmaker() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def mail_to(api: Api, address: str) -> list[OutboxEmail]:
    async with api.sessionmaker() as session:
        rows = await session.scalars(select(OutboxEmail))
        return [r for r in rows if r.to_address.strip().lower() == address]


async def test_staff_export_finds_the_person_everywhere_with_where_it_came_from(api: Api) -> None:
    story = await person_everywhere(api)
    await eventually(lambda: mail_to(api, ADDRESS), lambda rows: {r.kind for r in rows} >= {"exchange", "project"})
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "records officer"}), 201)["key"]

    async with http_client(api.app, staff_key) as staff:
        held = await export(staff, f" {TYPED.upper()} ")  # as pasted: case and spaces do not matter
        stranger = await export(staff, "nobody@people.example")

    assert [(c["partner_id"], c["source"]["table"]) for c in held["partner_contacts"]] == [
        (story.partner_id, "partner")
    ]
    assert [(lead["source"]["project_id"], lead["lead_name"]) for lead in held["project_leads"]] == [
        (story.project_id, NAME)
    ]
    (respondent,) = held["respondents"]
    assert (respondent["respondent_id"], respondent["source"]["project_id"]) == (
        story.respondent_id,
        story.survey_project,
    )
    assert [(r["wave_index"], r["answers"]["lasting_difference"]) for r in respondent["responses"]] == [
        (0, GOOD_ANSWERS["lasting_difference"])
    ]
    assert [(a["application_id"], a["source"]["year"]) for a in held["applications"]] == [
        (story.application_id, story.year)
    ]
    assert {e["kind"] for e in held["emails"]} == {"survey", "project", "exchange"}
    assert all(e["source"]["table"] == "outbox_email" and "/s/" not in e["body"] for e in held["emails"])
    assert held["suppressions"] == []
    assert all(value == [] for value in stranger.values())
    exported = [row for row in await audit_rows(api) if row.action == "person_exported"]
    assert [row.actor_label for row in exported] == ["records officer", "records officer"]
    assert exported[0].detail is not None and exported[0].detail["records"] > 5 and exported[1].detail == {"records": 0}
    assert "rosa" not in json.dumps([(r.target_id, r.detail) for r in exported]).lower()


async def test_an_admin_erases_a_person_everywhere_once_and_no_e_mail_reaches_them_again(api: Api) -> None:
    story = await person_everywhere(api)

    erased = ok(await api.http.post("/api/v1/people/erase", json={"email": TYPED, "reason": REASON}), 200)
    again = ok(await api.http.post("/api/v1/people/erase", json={"email": ADDRESS, "reason": REASON}), 200)
    after = await export(api.http, ADDRESS)

    counts = erased["counts"]
    assert (counts["respondents"], counts["applications"], counts["partner_contacts"]) == (1, 1, 1)
    assert (counts["project_leads"], counts["suppressions"]) == (1, 1)
    assert counts["outbox_emails"] >= 1  # the survey invitation, and whatever project and programme mail is out
    assert erased["workflows_told"] == {"projects": 1, "programmes": 0, "applications": 1}
    assert erased["nothing_left"] is False
    assert again["nothing_left"] is True and set(again["counts"].values()) == {0}
    assert [s["reason"] for s in after.pop("suppressions")] == ["erased"]
    assert all(value == [] for value in after.values())

    # The audit trail says an erasure happened, by whom and why: never whom it was about.
    entries = [row for row in await audit_rows(api) if row.action == "person_erased"]
    assert [(row.actor_key_id, row.detail and row.detail["reason"]) for row in entries] == [("env-admin", REASON)] * 2
    assert entries[0].detail is not None and entries[0].detail["counts"] == counts
    assert entries[0].target_id == erased["erasure_id"]
    everything = json.dumps([(r.actor_label, r.target_id, r.detail) for r in await audit_rows(api)]).lower()
    assert "rosa" not in everything

    # The pending wave opens: the erased respondent is not invited, the bystander is.
    invited = await open_wave_now(api, story.survey_project, 1)
    assert set(invited) == {story.bystander_id}

    # The running programme forgot the pending application; the running project its lead.
    await eventually(lambda: programme(api.http, story.year), lambda p: p["applications_received"] == 0)
    project = await eventually(lambda: read_project(api.http, story.project_id), lambda p: p["lead"]["email"] != TYPED)
    assert ADDRESS not in json.dumps(project).lower()

    # Project mail that would have gone to the lead and the partner's contact goes to no one erased.
    async with await partner_client(api, story.partner_id) as as_partner:
        ok(await submit(as_partner, story.project_id, "proposal"), 201)
    await eventually(
        lambda: api.http.get(f"/api/v1/projects/{story.project_id}/events"),
        lambda r: "milestone_submitted" in r.text,
    )
    assert await mail_to(api, ADDRESS) == []


async def test_only_admins_erase_staff_export_and_bad_input_is_a_field_level_422(api: Api) -> None:
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff"}), 201)["key"]
    body = {"email": ADDRESS, "reason": REASON}
    async with http_client(api.app, staff_key) as staff, http_client(api.app, None) as nobody:
        assert (await staff.post("/api/v1/people/erase", json=body)).status_code == 403
        assert (await nobody.post("/api/v1/people/erase", json=body)).status_code == 401
        assert (await nobody.get("/api/v1/people/export", params={"email": ADDRESS})).status_code == 401
        assert (await staff.get("/api/v1/people/export", params={"email": ADDRESS})).status_code == 200
    partner_id = (await create_partner(api))["id"]
    async with await partner_client(api, partner_id) as as_partner:
        assert (await as_partner.post("/api/v1/people/erase", json=body)).status_code == 403
        assert (await as_partner.get("/api/v1/people/export", params={"email": ADDRESS})).status_code == 403

    bad = {
        "no reason": {"email": ADDRESS},
        "blank reason": {"email": ADDRESS, "reason": "   "},
        "long reason": {"email": ADDRESS, "reason": "x" * 501},
        "no address": {"reason": REASON},
        "not an address": {"email": "rosa at people", "reason": REASON},
        "unknown field": {**body, "name": NAME},
    }
    for case, sent in bad.items():
        refused = await api.http.post("/api/v1/people/erase", json=sent)
        assert refused.status_code == 422, (case, refused.text)
        assert refused.json()["error"] == "InvalidSubmission" and refused.json()["errors"][0]["field"], case
    for query in ({}, {"email": "not-an-address"}, {"email": "x" * 330 + "@people.example"}):
        refused = await api.http.get("/api/v1/people/export", params=query)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "email", (query, refused.text)
    assert [row for row in await audit_rows(api) if row.action == "person_erased"] == []


async def test_with_temporal_away_an_erasure_is_a_503_and_erases_nothing_so_it_can_be_repeated(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    story = ProjectStory([])
    story.state.lead = Person(name=NAME, email=ADDRESS)
    async with sessionmaker.begin() as session:
        await session.execute(insert(Project), [project_row(story.state, story.workflow_id)])
    # As the API connects (api.main): lazy, its short retry budget; nothing listens at the address.
    client = await Client.connect(
        f"127.0.0.1:{free_port()}", data_converter=codec_converter(), retry_config=API_RETRY, lazy=True
    )
    app = create_app(ApiSettings(admin_key=ADMIN_KEY), client=client, sessionmaker=sessionmaker)
    async with app.router.lifespan_context(app), http_client(app) as http:
        refused = await http.post("/api/v1/people/erase", json={"email": ADDRESS, "reason": REASON})
        held = await export(http, ADDRESS)

    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0, refused.text
    assert [lead["lead_email"] for lead in held["project_leads"]] == [ADDRESS]
    async with sessionmaker() as session:
        assert await session.get(SurveySuppression, email_hash(ADDRESS)) is None
        assert [row.action for row in await session.scalars(select(AuditEntry))] == ["person_exported"]
