"""A Knowledge Exchange year over HTTP, end to end on the dev server, a real worker and a real database
(SQLite and PostgreSQL): open it, partners confirm, the call takes applications and closes by itself,
staff shortlist, partners select, staff match four placements; every applicant is acknowledged once
and told the outcome once (the placed with host and dates, the others one kind e-mail); a moved
placement's project follows its new dates; one placement is driven over the project API to its
reflections; its case study renders as Markdown and HTML, and the dashboard shows what was spent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from api.auth import ENV_ADMIN_KEY_ID
from api.exchange.errors import (
    ALREADY_APPLIED,
    CALL_CLOSED,
    NOT_A_PARTNER,
    VOLUNTEERS_NOT_ELIGIBLE,
)
from store.audit import entries_for
from store.tables import ExchangeApplication, OutboxEmail
from tests.api.conftest import Api, http_client
from tests.api.exchange_support import application_body, apply, fresh_year, next_monday, programme, programme_body
from tests.api.support import create_partner, eventually, ok, partner_client, read_project, review, stage_of

#: The call stays open this long: time enough for the applications below, short enough to wait out.
CALL_SECONDS = 6


async def submit(http: httpx.AsyncClient, project_id: str, key: str, summary: str, cost: float | None = None) -> Any:
    body: dict[str, Any] = {"summary": summary, "links": []}
    if cost is not None:
        body["cost"] = cost
    return ok(await http.post(f"/api/v1/projects/{project_id}/milestones/{key}/submissions", json=body), 201)


async def statuses(api: Api, year: int) -> dict[str, str]:
    async with api.sessionmaker() as session:
        rows = await session.execute(
            select(ExchangeApplication.email, ExchangeApplication.status).where(ExchangeApplication.year == year)
        )
        return dict(rows.all())


async def exchange_mail(api: Api) -> list[OutboxEmail]:
    async with api.sessionmaker() as session:
        return list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "exchange")))


async def drive_placement_to_its_reflections(api: Api, partner: httpx.AsyncClient, pid: str) -> None:
    """Planning, logistics (with costs), the placement week (a daily log), then both reflections."""
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "proposal")
    await submit(partner, pid, "agenda", "Day 1 stores; day 2 conservation studio; days 3-5 community archive.")
    ok(await review(api.http, pid, "agenda"), 200)
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "partnership")
    await submit(api.http, pid, "subsistence_recorded", "Five days of subsistence.", cost=45.5)
    await submit(api.http, pid, "travel_booked", "Return train, booked.", cost=120)
    await submit(api.http, pid, "accommodation_booked", "Four nights near the museum.", cost=300)
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "workshops")
    now = datetime.now(UTC)
    week = {
        "title": "The placement week",
        "starts_at": (now - timedelta(days=5)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat(),
        "place": "The museum",
    }
    ok(await api.http.post(f"/api/v1/projects/{pid}/workshops", json=week), 201)
    await submit(partner, pid, "daily_log", "Monday: met the conservation team and handled textiles.")
    ok(await api.http.post(f"/api/v1/projects/{pid}/workshops/w1/attendance", json={"attendance": 1}), 200)
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "evaluation")
    await submit(partner, pid, "partner_reflection", "Our colleague came back with new confidence in handling.")
    await submit(api.http, pid, "museum_reflection", "Hosting made us explain our own practice & rethink it.")
    await eventually(lambda: stage_of(api.http, pid), lambda s: s == "follow_up")


async def test_a_knowledge_exchange_year_from_the_call_to_a_placement_case_study_over_http(api: Api) -> None:
    year = fresh_year()
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    dockside = (await create_partner(api, "Dockside Youth Club"))["id"]

    # Staff open the year; the same year again is refused.
    opened = ok(
        await api.http.post(
            "/api/v1/exchange/programmes",
            json=programme_body(year, [harbour, dockside], closes_in=timedelta(seconds=CALL_SECONDS)),
        ),
        201,
    )
    assert opened["phase"] == "confirming" and [p["status"] for p in opened["partners"]] == ["pending", "pending"]
    again = programme_body(year, [harbour], closes_in=timedelta(days=1))
    assert (await api.http.post("/api/v1/exchange/programmes", json=again)).status_code == 409

    # Each partner confirms with its own key; a partner cannot confirm for another.
    async with await partner_client(api, harbour) as as_harbour, await partner_client(api, dockside) as as_dockside:
        confirm = f"/api/v1/exchange/programmes/{year}/partners/{dockside}/confirm"
        assert (await as_harbour.post(confirm)).status_code == 404
        ok(await as_dockside.post(confirm), 200)
        confirmed = ok(await as_harbour.post(f"/api/v1/exchange/programmes/{year}/partners/{harbour}/confirm"), 200)
        assert [p["status"] for p in confirmed["partners"]] == ["confirmed", "confirmed"]

        # The call: anyone applies without a key; refusals name the field and the reason.
        public = http_client(api.app, key=None)
        async with public:
            people = {
                "out-harbour": application_body("Alex Harbour", "alex@harbour.example", harbour),
                "host-harbour": application_body("Bo Museum", "bo@museum.example", "museum"),
                "out-dockside": application_body("Cy Dockside", "cy@dockside.example", dockside),
                "host-dockside": application_body("Di Museum", "di@museum.example", "museum"),
                "extra": application_body("Ed Museum", "ed@museum.example", "museum"),
            }
            ids: dict[str, str] = {}
            for who, body in people.items():
                ids[who] = ok(await apply(public, year, body), 201)["id"]
            volunteer = await apply(
                public, year, application_body("Fi", "fi@harbour.example", harbour, employment="volunteer")
            )
            assert volunteer.status_code == 422
            assert (volunteer.json()["errors"][0]["field"], volunteer.json()["errors"][0]["reason"]) == (
                "employment",
                VOLUNTEERS_NOT_ELIGIBLE,
            )
            twice = await apply(public, year, application_body("Alex Again", " ALEX@harbour.example", harbour))
            assert twice.status_code == 409 and (
                twice.json()["errors"][0]["field"],
                twice.json()["errors"][0]["reason"],
            ) == (
                "email",
                ALREADY_APPLIED,
            )
            stranger = await apply(public, year, application_body("Gil", "gil@else.example", "not-a-partner"))
            assert stranger.status_code == 422 and stranger.json()["errors"][0]["reason"] == NOT_A_PARTNER

            # The call closes by itself on its date; a late application is refused.
            closed = await eventually(
                lambda: programme(api.http, year), lambda p: p["phase"] == "selection", within_seconds=CALL_SECONDS + 15
            )
            assert closed["applications_received"] == 5
            late = await apply(public, year, application_body("Hal Late", "hal@museum.example", "museum"))
            assert late.status_code == 409 and late.json()["errors"][0]["reason"] == CALL_CLOSED

        # Staff shortlist; a partner may not.
        shortlist = f"/api/v1/exchange/programmes/{year}/applications/{{}}/shortlist"
        assert (await as_harbour.post(shortlist.format(ids["out-harbour"]))).status_code == 403
        for who in ("out-harbour", "host-harbour", "out-dockside", "host-dockside", "extra"):
            ok(await api.http.post(shortlist.format(ids[who])), 200)

        # A partner sees its own staff in full and the museum colleagues it may host, without e-mails.
        seen = ok(await as_harbour.get(f"/api/v1/exchange/programmes/{year}/applications"), 200)
        by_name = {a["name"]: a for a in seen["items"]}
        assert by_name["Alex Harbour"]["email"] == "alex@harbour.example"
        assert by_name["Bo Museum"]["email"] is None and by_name["Bo Museum"]["access_needs"] is None
        assert "Cy Dockside" not in by_name
        listed = ok(await api.http.get(f"/api/v1/exchange/programmes/{year}/applications", params={"limit": 2}), 200)
        assert (listed["total"], listed["limit"], listed["offset"], len(listed["items"])) == (5, 2, 0, 2)

        # Selection: Harbour for itself, staff for Dockside; never for another partner.
        selections = f"/api/v1/exchange/programmes/{year}/selections"
        harbour_pick = {
            "partner_id": harbour,
            "outgoing_application_id": ids["out-harbour"],
            "hosted_application_id": ids["host-harbour"],
        }
        assert (await as_dockside.post(selections, json=harbour_pick)).status_code == 404
        ok(await as_harbour.post(selections, json=harbour_pick), 200)
        dockside_pick = {
            "partner_id": dockside,
            "outgoing_application_id": ids["out-dockside"],
            "hosted_application_id": ids["host-dockside"],
        }
        ok(await api.http.post(selections, json=dockside_pick), 200)

        # Staff match four placements; a weekend start is refused with its field.
        monday = next_monday(date.today() + timedelta(days=35))
        match = f"/api/v1/exchange/programmes/{year}/placements/match"
        weekend = {
            "placements": [
                {"partner_id": harbour, "direction": "to_museum", "starts_on": str(monday - timedelta(days=1))}
            ]
        }
        refused = await api.http.post(match, json=weekend)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "placements.0.starts_on"
        plan = [
            {
                "partner_id": p,
                "direction": d,
                "starts_on": str(monday + timedelta(weeks=n)),
                "focus_areas": ["conservation"],
            }
            for n, (p, d) in enumerate(
                [(harbour, "to_museum"), (harbour, "to_partner"), (dockside, "to_museum"), (dockside, "to_partner")]
            )
        ]
        matched = ok(await api.http.post(match, json={"placements": plan}), 200)
        assert matched["phase"] == "placements" and len(matched["placements"]) == 4
        inbound = next(p for p in matched["placements"] if p["partner_id"] == harbour and p["direction"] == "to_museum")
        pid = inbound["id"]
        moved = ok(
            await api.http.put(
                f"/api/v1/exchange/programmes/{year}/placements/{pid}/dates",
                json={"starts_on": str(monday + timedelta(weeks=6))},
            ),
            200,
        )
        moved_placement = next(p for p in moved["placements"] if p["id"] == pid)
        assert moved_placement["ends_on"] == str(monday + timedelta(weeks=6, days=4))

        # Those not placed are told, once; those placed are marked selected.
        told = await eventually(lambda: statuses(api, year), lambda s: s.get("ed@museum.example") == "unsuccessful")
        assert {k for k, v in told.items() if v == "selected"} == {
            "alex@harbour.example",
            "bo@museum.example",
            "cy@dockside.example",
            "di@museum.example",
        }
        # Every applicant had one acknowledgement and one outcome: the offer names the host and the dates.
        mail = await exchange_mail(api)
        by_kind = {(m.to_address, m.event_id.rsplit(":", 1)[1]): m for m in mail}
        applicants = {b["email"] for b in people.values()}
        assert sorted(by_kind) == sorted(
            [(a, "received") for a in applicants]
            + [(a, "unsuccessful" if a == "ed@museum.example" else "selected") for a in applicants]
        )
        assert {(m.project_id, m.status) for m in mail} == {(None, "held")}
        first_week = f"from {monday + timedelta(weeks=2):%A} {(monday + timedelta(weeks=2)).day}"
        assert f"five working days with the museum, {first_week}" in by_kind[("cy@dockside.example", "selected")].body
        assert "five working days with Harbour Heritage Group, from" in by_kind[("bo@museum.example", "selected")].body
        outbox = ok(await api.http.get("/api/v1/outbox"), 200)["items"]
        assert any(e["to"] == "ed@museum.example" and e["project_id"] is None for e in outbox)

        # The moved placement's project follows its new dates (summary in the live state and read model).
        week_six = str(monday + timedelta(weeks=6))
        project = await eventually(lambda: api.http.get(f"/api/v1/projects/{pid}"), lambda r: r.status_code == 200)
        assert project.json()["template"] == "knowledge-exchange-placement"
        await eventually(lambda: read_project(api.http, pid), lambda p: f"Five days, {week_six} to" in p["summary"])

        # One placement is driven over the project API to its reflections.
        await drive_placement_to_its_reflections(api, as_harbour, pid)
        assert (await read_project(as_harbour, pid))["stage"] == "follow_up"

    # The dashboard: stages, what is overdue, the money spent against the budget.
    board = await eventually(
        lambda: programme(api.http, year),
        lambda p: next(x for x in p["dashboard"]["placements"] if x["id"] == pid)["stage"] == "follow_up",
    )
    assert board["live"] is True and board["phase"] == "placements"
    assert board["dashboard"]["budget"] == {
        "budget": 5000,
        "spent": 465.5,
        "remaining": 4534.5,
        "spent_fraction": 0.0931,
    }
    rows = {p["id"]: p for p in board["dashboard"]["placements"]}
    assert len(rows) == 4 and rows[pid]["spent"] == 465.5
    assert {p["stage"] for i, p in rows.items() if i != pid} == {"proposal"}
    assert all(p["overdue"] == [] for p in rows.values())
    assert [a["outcome"] for a in board["dashboard"]["outcomes"]] == [
        "skills_knowledge",
        "relationships",
        "museum_insight",
        "sustained_collaboration",
    ]

    # The case study: marked by staff, then assembled as Markdown and HTML.
    case_study = f"/api/v1/exchange/programmes/{year}/placements/{pid}/case-study"
    assert (await api.http.get(case_study)).status_code == 409
    ok(await api.http.post(case_study), 200)
    async with api.sessionmaker() as session:  # the audit trail names who marked it (issue 14)
        assert [(e.action, e.actor_key_id) for e in await entries_for(session, pid)] == [
            ("case_study_marked", ENV_ADMIN_KEY_ID)
        ]
    markdown = await api.http.get(case_study, headers={"Accept": "text/markdown"})
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("# Knowledge Exchange") and "Harbour Heritage Group to the museum" in text
    assert "Our colleague came back with new confidence in handling." in text
    assert "Hosting made us explain our own practice & rethink it." in text
    assert "Monday: met the conservation team" in text
    assert "| Travel booked | £120.00 |" in text and "**£465.50**" in text
    assert "alex@harbour.example" not in text and "Alex Harbour" not in text
    # Who wrote each entry, by organisation, never a key's label; where it stands, as the template says.
    assert "### Partner organisation's reflection (Harbour Heritage Group, " in text
    assert "### Museum's reflection (the museum, " in text and "partner portal" not in text
    assert "**Where it stands:** Follow-up" in text
    html = await api.http.get(case_study, params={"format": "html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "practice &amp; rethink it" in html.text and "<td>£465.50</td>" in html.text
    marked = ok(await api.http.get(f"/api/v1/exchange/programmes/{year}"), 200)["dashboard"]["placements"]
    assert [p["case_study"] for p in marked if p["id"] == pid] == [True]

    # Each applicant was written to exactly twice, however the programme records again.
    assert len(await exchange_mail(api)) == 2 * len(people)
