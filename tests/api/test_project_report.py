"""The project report (issue 16): every figure equals what the rows inserted here give, counted by hand.

The project's state is written to the read model as the workflow's snapshot would be (no workflow runs:
the report reads that snapshot, flagged not live); respondents, waves and answers go through the real
store and the real survey API; ratings through store.reports.ratings. Then the JSON, the page and the
PDF (text extracted with pypdf) are checked against figures worked out below from those rows alone.
Small groups: 4 respondents on an outcome are suppressed, 5 are shown, and ENGAGE_REPORT_MIN_N=4 shows 4.
Quotes: only v2 answers that said yes to quote_consent, by role, never a name.
"""

from __future__ import annotations

import io
import json
import statistics
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import insert

from api.main import create_app
from api.settings import ApiSettings
from domain.durations import IsoDuration
from domain.follow_up import WavePlan, WaveTask
from domain.lifecycle import Party
from domain.state import DisplayState, MilestoneStatus, SubmissionRecord, WorkshopState
from domain.submissions import Actor, Decision
from store.projects.writes import project_row
from store.reports.ratings import record_ratings
from store.surveys.writes_wave_mail import invite_key
from store.tables import Project, ProjectPartner
from tests.activities.builders import ProjectStory
from tests.api.conftest import ADMIN_KEY, Api, http_client
from tests.api.support import create_partner, ok, partner_client
from tests.api.survey_support import GOOD_ANSWERS, answer
from tests.api.test_follow_up_pages import signed_in
from tests.store.survey_builders import add_people, open_at, person, tokens_by_respondent

NOW = datetime.now(UTC)
DUE = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
STAFF = Actor(party=Party.STAFF, label="staff")
LIKERT = {"skills_gained": "skills_knowledge", "confidence": "confidence", "museum_understanding": "museum_insight"}
LIKERT["wellbeing"] = "wellbeing_participation"


def submission(number: int, at: datetime, cost: float | None = None, decision: Decision | None = None) -> Any:
    return SubmissionRecord(number=number, actor=STAFF, summary="done", submitted_at=at, cost=cost, decision=decision)


def story_state(partner_id: str) -> Any:
    """A co-curation project's state with known workshops, display, milestone dates, submissions and costs."""
    state = ProjectStory([partner_id]).state
    state.workshops = [
        WorkshopState(id="w1", title="Object handling", starts_at=DUE, ends_at=DUE, place="Hall", attendance=12),
        WorkshopState(id="w2", title="Oral history", starts_at=DUE, ends_at=DUE, place="Hall", attendance=8),
        WorkshopState(id="w3", title="Rained off", starts_at=DUE, ends_at=DUE, place="Yard", cancelled_at=DUE),
        WorkshopState(id="w4", title="Cancelled late", starts_at=DUE, ends_at=DUE, place="Yard", attendance=5,
                      cancelled_at=DUE),
        WorkshopState(id="w5", title="Not yet recorded", starts_at=DUE, ends_at=DUE, place="Hall"),
    ]  # fmt: skip
    # Europe/London: 1 May 10:00 BST to 10 May 17:00 BST, long closed by NOW.
    state.display = DisplayState(
        title="River lives",
        location="Gallery 2",
        opens_at=datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        closes_at=datetime(2026, 5, 10, 16, 0, tzinfo=UTC),
    )
    for milestone in state.milestones:
        milestone.due_at, milestone.submissions, milestone.status = None, [], MilestoneStatus.PENDING
    m = state.milestones
    m[0].due_at, m[0].submissions = DUE, [submission(1, DUE - timedelta(days=1), cost=100.0)]  # on time
    m[1].due_at = DUE  # late: first submitted two days after; the later costed submission is what counts
    m[1].submissions = [
        submission(1, DUE + timedelta(days=2), cost=50.5),
        submission(2, DUE + timedelta(days=3), 70.25),
    ]
    m[2].due_at = DUE  # late: past due, never submitted
    m[3].due_at = NOW + timedelta(days=30)  # not yet due
    m[4].submissions = [submission(1, DUE, cost=999.0, decision=Decision.DECLINE)]  # no due date; declined cost
    return state


def wave(project_id: str, index: int, offset: str, instrument: str) -> WaveTask:
    due = datetime.now(UTC) - timedelta(minutes=1)
    plan = WavePlan(
        index=index,
        offset=IsoDuration(offset),
        due_at=due,
        reminders_at=(due + timedelta(days=7),),
        closes_at=due + timedelta(days=30),
    )
    return WaveTask(project_id=project_id, plan=plan, instrument=instrument, round=0)


async def project_with_answers(api: Api) -> dict[str, Any]:
    """Insert the rows; return what was inserted and answered, for the hand counts."""
    own, other = await create_partner(api), await create_partner(api)
    state = story_state(own["id"])
    project_id = state.project_id
    async with api.sessionmaker.begin() as session:
        await session.execute(insert(Project), [project_row(state, f"project/{project_id}")])
        await session.execute(insert(ProjectPartner), [{"project_id": project_id, "partner_id": own["id"]}])
        await record_ratings(session, project_id, "intention", {"confidence": 4, "skills_knowledge": 5}, NOW)
        await record_ratings(session, project_id, "partner", {"confidence": 3}, NOW)
        await record_ratings(session, project_id, "museum", {"confidence": 4, "relationships": 2}, NOW)
    roles = ["participant"] * 6 + ["partner_staff"] * 2
    people = await add_people(api.sessionmaker, project_id, [person(n, role=r) for n, r in enumerate(roles)])
    given: dict[int, dict[str, dict[str, Any]]] = {0: {}, 1: {}}
    # Wave 0 (P3M) asks v1: five people answer (one Likert value set each), one text answer never quotable.
    first = wave(project_id, 0, "P3M", "community-project@1")
    await open_at(api.sessionmaker, first, datetime.now(UTC))
    tokens = await tokens_by_respondent(api.sessionmaker, invite_key(first))
    for i, level in enumerate([5, 4, 4, 3, 2]):
        answers = {**GOOD_ANSWERS, "confidence": level, "skills_gained": 6 - level, "lasting_difference": "v1 words"}
        ok(await answer(api.http, tokens[people[i]], answers), 201)
        given[0][people[i]] = answers
    # Wave 1 (P6M) asks v2: four people answer; only yes-with-text is quoted.
    second = wave(project_id, 1, "P6M", "community-project@2")
    await open_at(api.sessionmaker, second, datetime.now(UTC))
    tokens = await tokens_by_respondent(api.sessionmaker, invite_key(second))
    extras: list[dict[str, Any]] = [
        {"quote_consent": "yes", "lasting_difference": "The river group still meets every month."},
        {"quote_consent": "no", "lasting_difference": "Please keep this to yourselves."},
        {"quote_consent": "yes"},
        {"lasting_difference": "Nobody asked me about quoting."},
    ]
    for i, (level, extra) in enumerate(zip([2, 3, 5, 5], extras, strict=True)):
        answers = {k: v for k, v in GOOD_ANSWERS.items() if k != "lasting_difference"}
        answers |= {"confidence": level} | extra
        ok(await answer(api.http, tokens[people[6 - i]], answers), 201)
        given[1][people[6 - i]] = answers
    return {"project_id": project_id, "own": own, "other": other, "people": people, "given": given, "roles": roles}


def hand_wave(answers: dict[str, dict[str, Any]], question: str) -> tuple[int, float, dict[str, int]]:
    values = [a[question] for a in answers.values() if question in a]
    counts = Counter(values)
    return len(values), round(statistics.mean(values), 2), {str(level): counts.get(level, 0) for level in range(1, 6)}


@pytest.mark.timeout(300)
async def test_the_project_report_equals_the_rows_and_hides_groups_under_min_n(api: Api) -> None:
    made = await project_with_answers(api)
    project_id, given = made["project_id"], made["given"]
    report = ok(await api.http.get(f"/api/v1/projects/{project_id}/report"), 200)

    o = report["outputs"]
    assert (o["sessions_held"], o["attendance_total"]) == (2, 12 + 8)  # w1 and w2: recorded, not cancelled
    assert (
        o["participants_reached"] == 8 and "registered for the project's follow-up" in o["participants_reached_counts"]
    )
    assert (o["partner_count"], [p["name"] for p in o["partners"]]) == (1, [made["own"]["name"]])
    assert o["display_days"] == 10  # 1 to 10 May, both counted
    assert (o["milestones_on_time"], o["milestones_late"], o["milestones_not_yet_due"]) == (1, 2, 1)
    assert o["costs_gbp"] == 100.0 + 70.25 and len(o["cost_lines"]) == 2  # the declined 999 is not a cost

    waves = {w["index"]: w for w in report["waves"]}
    assert (waves[0]["invited"], waves[0]["answered"], waves[0]["response_rate"]) == (8, 5, 0.625)
    assert (waves[1]["invited"], waves[1]["answered"], waves[1]["response_rate"]) == (8, 4, 0.5)
    assert (waves[0]["instrument"], waves[1]["instrument"]) == ("community-project@1", "community-project@2")

    outcomes = {x["key"]: x for x in report["outcomes"]}
    confidence = outcomes["confidence"]
    assert (confidence["intention"], confidence["partner"], confidence["museum"]) == (4, 3, 4)
    assert outcomes["relationships"]["museum"] == 2 and outcomes["relationships"]["intention"] is None
    n, mean, distribution = hand_wave(given[0], "confidence")
    shown, hidden = confidence["waves"]
    assert (shown["n"], shown["mean"], shown["distribution"], shown["suppressed"]) == (5, mean, distribution, False)
    assert n == 5 and mean == 3.6
    assert (hidden["n"], hidden["mean"], hidden["distribution"], hidden["suppressed"]) == (4, None, None, True)
    assert hidden["reason"] == "Too few answers to show safely (fewer than 5)"
    # Participants' level: the latest wave with at least 5 respondents (wave 0 here, as wave 1 has 4).
    assert confidence["participants"] | {} == {
        "mean": mean, "n": 5, "wave_index": 0, "offset": "P3M", "suppressed": False, "reason": None
    }  # fmt: skip
    skills = outcomes["skills_knowledge"]["waves"][0]
    assert skills["mean"] == hand_wave(given[0], "skills_gained")[1]
    assert all(w["n"] == 0 for w in outcomes["relationships"]["waves"])  # no Likert question measures it

    # Quotes: the one v2 answer that said yes and wrote something; by role; v1 words and refusals never.
    assert report["quotes"] == [
        {
            "wave_index": 1,
            "offset": "P6M",
            "role": made["roles"][6].replace("_", " "),
            "question": "What difference, if any, has the project made to you or your community?",
            "text": "The river group still meets every month.",
        }
    ]
    text = json.dumps(report)
    for words in ("v1 words", "keep this to yourselves", "Nobody asked me", "Person p", "respondents.example"):
        assert words not in text
    assert report["case_study"] is None and report["live"] is False


async def test_report_min_n_from_the_environment_shows_a_group_of_4(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    made = await project_with_answers(api)
    monkeypatch.setenv("ENGAGE_REPORT_MIN_N", "4")
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=api.task_queue)
    assert settings.report_min_n == 4
    app = create_app(settings, client=api.client, sessionmaker=api.sessionmaker)
    async with app.router.lifespan_context(app), http_client(app) as http:
        report = ok(await http.get(f"/api/v1/projects/{made['project_id']}/report"), 200)
    confidence = next(x for x in report["outcomes"] if x["key"] == "confidence")
    n, mean, distribution = hand_wave(made["given"][1], "confidence")
    assert (n, mean) == (4, 3.75)
    latest = confidence["waves"][1]
    assert (latest["n"], latest["mean"], latest["distribution"], latest["suppressed"]) == (4, mean, distribution, False)
    assert (confidence["participants"]["wave_index"], confidence["participants"]["mean"]) == (1, mean)
    assert report["min_n"] == 4


async def test_a_partner_reads_its_own_projects_report_and_no_other(api: Api) -> None:
    made = await project_with_answers(api)
    path = f"/api/v1/projects/{made['project_id']}/report"
    async with (
        await partner_client(api, made["own"]["id"]) as own,
        await partner_client(api, made["other"]["id"]) as other,
    ):
        assert (await own.get(path)).status_code == 200
        refused = await other.get(path)
    assert refused.status_code == 404 and refused.json()["detail"] == "Project not found."
    assert (await api.http.get(f"/api/v1/projects/{uuid.uuid4().hex}/report")).status_code == 404


async def test_the_page_and_the_pdf_show_the_same_figures_with_page_numbers(api: Api) -> None:
    made = await project_with_answers(api)
    project_id = made["project_id"]
    async with signed_in(api, ADMIN_KEY) as pages:
        project_page = await pages.get(f"/projects/{project_id}")
        page = await pages.get(f"/projects/{project_id}/report")
        pdf = await pages.get(f"/projects/{project_id}/report.pdf")
    assert f'href="/projects/{project_id}/report"' in project_page.text
    assert page.status_code == 200 and f'href="/projects/{project_id}/report.pdf"' in page.text
    assert "Voices of the Docks: impact report" in page.text
    assert "<svg" in page.text and "Mean answer (1-5 scale)" in page.text and "style=" not in page.text.split("<svg")[1]
    assert "Too few answers to show safely (fewer than 5)" in page.text
    assert "The river group still meets every month." in page.text
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Voices of the Docks: impact report" in text
    assert "Page 1 of" in reader.pages[0].extract_text()
    assert "£170.25" in text and "3.60" in text
    assert "Too few answers to show safely (fewer than 5)" in text


async def test_a_placement_marked_as_a_case_study_reports_it_without_naming_the_visitor(api: Api) -> None:
    from datetime import date

    from store.tables import ExchangeApplication, ExchangePlacement, ExchangeProgramme
    from tests.api.exchange_support import fresh_year

    made = await project_with_answers(api)
    year, application_id = fresh_year(), uuid.uuid4().hex
    async with api.sessionmaker.begin() as session:
        session.add(
            ExchangeProgramme(
                year=year, phase="running", budget=5000.0, state={}, applications_opens_at=NOW,
                applications_closes_at=NOW, created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
        await session.flush()
        session.add(
            ExchangeApplication(
                id=application_id, year=year, organisation=made["own"]["id"], name="Applicant Person",
                email="applicant@people.example", email_hash="0" * 64, role="Collections officer",
                employment="employed", statement_of_benefit="-", hoped_gains="-", offer="-", preferred_areas=[],
                submitted_at=NOW,
            )
        )  # fmt: skip
        await session.flush()
        session.add(
            ExchangePlacement(
                id=made["project_id"], year=year, partner_id=made["own"]["id"], direction="to_museum",
                application_id=application_id, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 6),
                focus_areas=["conservation", "digitisation"], case_study=True,
            )
        )  # fmt: skip

    study = ok(await api.http.get(f"/api/v1/projects/{made['project_id']}/report"), 200)["case_study"]

    assert study["title"] == f"Knowledge Exchange {year}: from {made['own']['name']} to the museum"
    assert (study["starts_on"], study["ends_on"]) == ("2026-03-02", "2026-03-06")
    assert study["focus_areas"] == ["conservation", "digitisation"] and study["visitor_role"] == "Collections officer"
    assert study["url"] == f"/exchange/{year}/placements/{made['project_id']}/case-study"
    assert "Applicant Person" not in json.dumps(study) and "people.example" not in json.dumps(study)
    async with signed_in(api, ADMIN_KEY) as pages:
        page = await pages.get(f"/projects/{made['project_id']}/report")
    assert f"Case study: Knowledge Exchange {year}" in page.text and "Focus: conservation, digitisation." in page.text


@pytest.mark.parametrize("project_id", ["x" * 300, "..%2F..", "ünï-cødé", "a b"])
async def test_an_odd_or_overlong_project_id_is_404_never_a_500(api: Api, project_id: str) -> None:
    assert (await api.http.get(f"/api/v1/projects/{project_id}/report")).status_code == 404
    async with signed_in(api, ADMIN_KEY) as pages:
        assert (await pages.get(f"/projects/{project_id}/report")).status_code == 404
        assert (await pages.get(f"/projects/{project_id}/report.pdf")).status_code == 404


async def test_without_weasyprint_the_pdf_route_answers_503_with_the_reason_and_the_page_still_works(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from api.reports.pdf import PDF_UNAVAILABLE

    made = await project_with_answers(api)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # what importing it does where pango is missing
    async with signed_in(api, ADMIN_KEY) as pages:
        pdf = await pages.get(f"/projects/{made['project_id']}/report.pdf")
        page = await pages.get(f"/projects/{made['project_id']}/report")
    assert pdf.status_code == 503 and pdf.headers["retry-after"] and PDF_UNAVAILABLE.split(":")[0] in pdf.text
    assert page.status_code == 200
