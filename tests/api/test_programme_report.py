"""The Knowledge Exchange programme-year report (issue 16) over HTTP, on the dev server, a real worker and a real
database (SQLite and PostgreSQL): a year run through the API (call, shortlist, selection, four placements
matched), one placement driven to its follow-up with its costs and reflections, one withdrawn; respondents
added over the API and two follow-up waves opened as the worker opens them, answered over the survey API.

Every expected figure is counted here from the answers this test submitted and the rows it made (never the
report's code): placements by direction, partner, days and status; per aim and wave n, response rate, mean and
the 1-5 distribution; the budget. The P7D wave (6 respondents) is shown; the P6M wave (3) is suppressed with
the words the issue gives. The page and the PDF (text extracted with pypdf) carry the same figures.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from pypdf import PdfReader

from domain.durations import IsoDuration
from domain.follow_up import WavePlan, WaveTask
from store.surveys.writes_wave_mail import invite_key
from tests.api.conftest import ADMIN_KEY, Api
from tests.api.exchange_support import application_body, apply, fresh_year, next_monday, programme, programme_body
from tests.api.support import create_partner, eventually, ok, partner_client, stage_of
from tests.api.test_exchange_programme import drive_placement_to_its_reflections
from tests.api.test_follow_up_pages import signed_in
from tests.store.survey_builders import open_at, tokens_by_respondent

CALL_SECONDS = 6
INSTRUMENT = "knowledge-exchange-placement@1"
TOO_FEW = "Too few answers to show safely (fewer than 5)"
Q = ("skills_applied", "organisational_change", "museum_insight", "relationship_status", "confidence")


def answers(*values: Any) -> dict[str, Any]:
    return dict(zip(Q, values, strict=True))


#: What each respondent says, per placement and wave (placement "A" is the completed one, "B" a planned one).
P7D_A = [answers(5, 4, 5, "working_together", 4), answers(4, 3, 4, "in_touch", 4),
         answers(4, 4, 3, "in_touch", 5), answers(3, 2, 4, "lapsed", 3)]  # fmt: skip
P7D_B = [answers(2, 3, 5, "working_together", 4), answers(5, 5, 4, "in_touch", 5)]  # of 3 invited
P6M_A = [answers(5, 5, 5, "working_together", 5), answers(4, 4, 4, "in_touch", 4),
         answers(3, 4, 5, "lapsed", 3)]  # fmt: skip  # of 4 invited


async def open_wave(api: Api, project_id: str, index: int, offset: str) -> list[str]:
    """Open wave `index` of the placement's survey now, as open_survey_wave does; the raw tokens."""
    now = datetime.now(UTC)
    plan = WavePlan(
        index=index,
        offset=IsoDuration(offset),
        due_at=now - timedelta(minutes=1),
        reminders_at=(now + timedelta(days=7),),
        closes_at=now + timedelta(days=30),
    )
    task = WaveTask(project_id=project_id, plan=plan, instrument=INSTRUMENT)
    await open_at(api.sessionmaker, task, now)
    return sorted((await tokens_by_respondent(api.sessionmaker, invite_key(task))).values())


async def answer_all(api: Api, tokens: list[str], given: list[dict[str, Any]]) -> None:
    for token, body in zip(tokens, given, strict=False):  # the first len(given) links answer
        ok(await api.http.post(f"/api/v1/surveys/{token}/responses", json={"answers": body}), 201)


async def add_people(api: Api, project_id: str, count: int, tag: str) -> None:
    for n in range(count):
        person = {"name": f"Respondent {tag}{n}", "email": f"{tag}{n}@kx-report.example", "language": "en",
                  "role": "participant"}  # fmt: skip
        ok(await api.http.post(f"/api/v1/projects/{project_id}/respondents", json=person), 201)


async def a_year_with_four_placements(api: Api) -> tuple[int, dict[str, str], dict[tuple[str, str], str]]:
    """Two partners, each sending one colleague and hosting one: (year, partner names -> ids, placements)."""
    year = fresh_year()
    harbour = (await create_partner(api, "Harbour Heritage Group"))["id"]
    dockside = (await create_partner(api, "Dockside Youth Club"))["id"]
    body = programme_body(year, [harbour, dockside], closes_in=timedelta(seconds=CALL_SECONDS))
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    for partner in (harbour, dockside):
        ok(await api.http.post(f"/api/v1/exchange/programmes/{year}/partners/{partner}/confirm"), 200)
    people = {
        "out-harbour": application_body("Alex Harbour", "alex@harbour.example", harbour),
        "host-harbour": application_body("Bo Museum", "bo@museum.example", "museum"),
        "out-dockside": application_body("Cy Dockside", "cy@dockside.example", dockside),
        "host-dockside": application_body("Di Museum", "di@museum.example", "museum"),
    }
    ids = {who: ok(await apply(api.http, year, b), 201)["id"] for who, b in people.items()}
    await eventually(lambda: programme(api.http, year), lambda p: p["phase"] == "selection", within_seconds=25)
    for application_id in ids.values():
        ok(await api.http.post(f"/api/v1/exchange/programmes/{year}/applications/{application_id}/shortlist"), 200)
    for partner, out, host in ((harbour, "out-harbour", "host-harbour"), (dockside, "out-dockside", "host-dockside")):
        pick = {"partner_id": partner, "outgoing_application_id": ids[out], "hosted_application_id": ids[host]}
        ok(await api.http.post(f"/api/v1/exchange/programmes/{year}/selections", json=pick), 200)
    monday = next_monday(date.today() + timedelta(days=35))
    plan = [
        {"partner_id": p, "direction": d, "starts_on": str(monday + timedelta(weeks=n))}
        for n, (p, d) in enumerate(
            [(harbour, "to_museum"), (harbour, "to_partner"), (dockside, "to_museum"), (dockside, "to_partner")]
        )
    ]
    matched = ok(
        await api.http.post(f"/api/v1/exchange/programmes/{year}/placements/match", json={"placements": plan}), 200
    )
    placements = {(p["partner_id"], p["direction"]): p["id"] for p in matched["placements"]}
    for placement_id in placements.values():  # each placement's project starts as the programme's child
        await eventually(partial(api.http.get, f"/api/v1/projects/{placement_id}"), lambda r: r.status_code == 200)
    return year, {"Harbour Heritage Group": harbour, "Dockside Youth Club": dockside}, placements


def weekdays(starts_on: str, ends_on: str) -> int:
    first, last = date.fromisoformat(starts_on), date.fromisoformat(ends_on)
    return sum(1 for n in range((last - first).days + 1) if (first + timedelta(days=n)).isoweekday() <= 5)


@dataclass(frozen=True)
class RecordedYear:
    year: int
    harbour: str
    a: str  # completed, a case study, answers at P7D and P6M
    b: str  # planned, answers at P7D
    withdrawn: str
    invited: dict[str, int]  # offset -> survey links sent


async def record_a_year(api: Api) -> RecordedYear:
    """Four placements; A driven to its follow-up and marked a case study, one withdrawn; answers on A and B."""
    year, partners, placements = await a_year_with_four_placements(api)
    harbour, dockside = partners["Harbour Heritage Group"], partners["Dockside Youth Club"]
    a, b = placements[(harbour, "to_museum")], placements[(harbour, "to_partner")]
    withdrawn = placements[(dockside, "to_museum")]

    # A reaches its follow-up (costs 45.50 + 120 + 300 on its way); Dockside's inbound placement is withdrawn.
    async with await partner_client(api, harbour) as as_harbour:
        await drive_placement_to_its_reflections(api, as_harbour, a)
    await eventually(lambda: stage_of(api.http, withdrawn), lambda s: s == "proposal")
    reason = {"reason": "The colleague left the organisation."}
    ok(await api.http.post(f"/api/v1/projects/{withdrawn}/withdraw", json=reason), 200)
    ok(await api.http.post(f"/api/v1/exchange/programmes/{year}/placements/{a}/case-study"), 200)

    # Respondents and answers: 4 more on A (4 answer at P7D, 3 at P6M), 3 more on B (2 answer at P7D); each
    # placement also has its visitor and host as respondents, invited and silent. Invited = the links sent.
    await add_people(api, a, 4, "a")
    await add_people(api, b, 3, "b")
    links = {"A0": await open_wave(api, a, 0, "P7D"), "B0": await open_wave(api, b, 0, "P7D")}
    links["A1"] = await open_wave(api, a, 1, "P6M")
    await answer_all(api, links["A0"], P7D_A)
    await answer_all(api, links["B0"], P7D_B)
    await answer_all(api, links["A1"], P6M_A)
    invited = {"P7D": len(links["A0"]) + len(links["B0"]), "P6M": len(links["A1"])}
    assert invited == {"P7D": 11, "P6M": 6}  # 4 + 2 and 3 + 2; then 4 + 2
    # 👉 The stages come from the read model, written by the projects' activities just after each change.
    await eventually(
        lambda: api.http.get(f"/api/v1/exchange/programmes/{year}/report"),
        lambda r: r.status_code == 200 and r.json()["placements"]["by_status"]["cancelled"] == 1,
    )
    return RecordedYear(year, harbour, a, b, withdrawn, invited)


async def test_the_programme_report_counts_what_the_year_recorded_and_hides_small_groups(api: Api) -> None:
    recorded = await record_a_year(api)
    year, harbour, a, withdrawn, invited = (
        recorded.year, recorded.harbour, recorded.a, recorded.withdrawn, recorded.invited
    )  # fmt: skip
    report = ok(await api.http.get(f"/api/v1/exchange/programmes/{year}/report"), 200)
    matched = (await programme(api.http, year))["placements"]

    # Placements: both ways, by partner, days and status, counted from the matched rows.
    days = {p["id"]: weekdays(p["starts_on"], p["ends_on"]) for p in matched}
    section = report["placements"]
    assert section["total"] == 4 and section["days"] == sum(days.values()) == 20
    assert {d["direction"]: (d["placements"], d["days"]) for d in section["by_direction"]} == {
        "to_partner": (2, 10),
        "to_museum": (2, 10),
    }
    assert {p["partner_name"]: (p["to_museum"], p["to_partner"], p["days"]) for p in section["by_partner"]} == {
        "Harbour Heritage Group": (1, 1, 10),
        "Dockside Youth Club": (1, 1, 10),
    }
    assert section["by_status"] == {"completed": 1, "cancelled": 1, "planned": 2}
    assert {i["id"]: i["status"] for i in section["items"]}[a] == "completed"
    assert {i["id"]: i["status"] for i in section["items"]}[withdrawn] == "cancelled"

    # Outcomes: per aim and wave, from the answers above.
    aims = {aim["outcome"]: {w["offset"]: w for w in aim["waves"]} for aim in report["outcomes"]}
    p7d = P7D_A + P7D_B
    for outcome, question in (("skills_knowledge", "skills_applied"), ("museum_insight", "museum_insight"),
                              ("sustained_collaboration", "organisational_change")):  # fmt: skip
        values = [given[question] for given in p7d]
        shown = aims[outcome]["P7D"]
        assert (shown["invited"], shown["answered"], shown["n"]) == (invited["P7D"], len(p7d), len(p7d))
        assert shown["response_rate"] == round(len(p7d) / invited["P7D"], 4)
        assert shown["mean"] == round(statistics.mean(values), 2) and shown["suppressed"] is False
        counted = Counter(values)
        assert shown["distribution"] == {str(level): counted.get(level, 0) for level in range(1, 6)}
        hidden = aims[outcome]["P6M"]
        assert (hidden["invited"], hidden["answered"], hidden["n"]) == (invited["P6M"], len(P6M_A), len(P6M_A))
        assert hidden["mean"] is None and hidden["distribution"] is None and hidden["likert_answers"] is None
        assert hidden["suppressed"] is True and hidden["reason"] == TOO_FEW
    relationships = aims["relationships"]["P7D"]  # a single choice, no 1-5 question: n only
    assert (relationships["n"], relationships["mean"], relationships["suppressed"]) == (6, None, False)
    assert aims["skills_knowledge"]["P7D"]["mean"] == 3.83  # (5+4+4+3+2+5) / 6

    # Budget and the case study.
    assert report["budget"] | {"costs": len(report["budget"]["costs"])} == {
        "recorded": True, "note": None, "budget": 5000, "spent": 465.5, "remaining": 4534.5,
        "spent_fraction": 0.0931, "costs": 3,
    }  # fmt: skip
    [study] = report["case_studies"]
    assert study["placement_id"] == a and "Harbour Heritage Group to the museum" in study["title"]
    assert any("Our colleague came back with new confidence" in r for r in study["reflections"])
    assert "alex@harbour.example" not in str(report) and "Alex Harbour" not in str(report)

    # Who may read it: staff only; an unknown year is 404.
    async with await partner_client(api, harbour) as as_harbour:
        assert (await as_harbour.get(f"/api/v1/exchange/programmes/{year}/report")).status_code == 403
    assert (await api.http.get(f"/api/v1/exchange/programmes/{fresh_year()}/report")).status_code == 404

    # The page and the PDF: the same figures, the suppression in words, charts inline with their tables.
    async with signed_in(api, ADMIN_KEY) as pages:
        page = await pages.get(f"/exchange/programmes/{year}/report")
        assert page.status_code == 200, page.text[:500]
        assert TOO_FEW in page.text and "3.83" in page.text and "<svg" in page.text and "£465.50" in page.text
        assert f'href="/exchange/programmes/{year}/report.pdf"' in page.text
        board = await pages.get(f"/exchange/{year}")
        assert f'href="/exchange/programmes/{year}/report"' in board.text
        pdf = await pages.get(f"/exchange/programmes/{year}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Page 1 of" in text and f"Knowledge Exchange {year}" in text
    assert "3.83" in text and "465.50" in text and "Too few answers to show safely" in text


async def test_a_year_with_nothing_recorded_says_so(api: Api) -> None:
    year = fresh_year()
    partner = (await create_partner(api))["id"]
    body = programme_body(year, [partner], closes_in=timedelta(days=1), budget=0)
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    report: dict[str, Any] = ok(await api.http.get(f"/api/v1/exchange/programmes/{year}/report"), 200)
    assert report["placements"]["total"] == 0 and report["case_studies"] == []
    assert report["budget"]["recorded"] is False
    assert report["budget"]["note"] == "No budget and no costs are recorded for this year."
    assert [a["waves"] for a in report["outcomes"]] == [[], [], [], []]
    refused = await api.http.get("/api/v1/exchange/programmes/1999/report")  # a year out of range: 422, no 500
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "year"
    async with signed_in(api, ADMIN_KEY) as pages:
        page = await pages.get(f"/exchange/programmes/{year}/report")
    assert page.status_code == 200 and "No placements have been matched this year." in page.text
    assert "No budget and no costs are recorded for this year." in page.text
