"""The portfolio impact report (`GET /api/v1/reports/impact`, `/reports/impact`, `/reports/impact.pdf`, issue 16).

Every figure is checked against a count made here by hand from the rows tests.api.portfolio_support inserted
(its own question -> outcome table, its own dates), never with the report's code: projects by stage and
template, participants' mean and n per outcome, intention / partner / museum averaged over the projects that
have them (written with store.reports.ratings.record_ratings), response rates per wave offset, and the same
year on year; then filters narrow it, small groups are suppressed (and a group of exactly 5 is shown), bad
queries answer 422 naming the field, the page shows the same figures and the PDF's text says them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pypdf
import pytest

from store.reports.ratings import record_ratings
from tests.api.conftest import ADMIN_KEY, Api
from tests.api.portfolio_support import LIKERT, PROJECTS, Answered, ProjectSpec, Story, at, insert_story
from tests.api.test_follow_up_pages import signed_in

PERIOD = {"from": "2025-03-01", "to": "2026-06-30"}
START, END = date(2025, 3, 1), date(2026, 6, 30)
MIN_N = 5
OUTCOMES = ("skills_knowledge", "relationships", "museum_insight", "confidence", "wellbeing_participation",
            "sustained_collaboration")  # fmt: skip
RATINGS = {  # project -> source -> levels; D was created before the period, so its level never counts
    "a": {"intention": {"skills_knowledge": 4, "confidence": 3}, "partner": {"skills_knowledge": 5}},
    "b": {"intention": {"skills_knowledge": 2}, "museum": {"skills_knowledge": 3, "museum_insight": 4}},
    "c": {"museum": {"museum_insight": 5}},
    "d": {"intention": {"skills_knowledge": 1}},
}

Keep = Callable[[ProjectSpec], bool]


def everything(spec: ProjectSpec) -> bool:
    return True


def participants(rows: list[Answered], keep: Keep, first: date, last: date) -> dict[str, dict[str, object]]:
    """Per outcome, by hand: the people who gave a Likert answer, the answers, their mean (or suppressed)."""
    found: dict[str, dict[str, object]] = {}
    for outcome in OUTCOMES:
        values: list[int] = []
        people: set[str] = set()
        for r in rows:
            if keep(r.project) and first <= r.submitted_at.date() <= last:
                for question, mapped in LIKERT[r.project.instrument].items():
                    if mapped == outcome:
                        values.append(r.answers[question])
                        people.add(r.respondent_id)
        if 0 < len(people) < MIN_N:
            found[outcome] = {"respondents": None, "answers": None, "mean": None, "suppressed": True}
        else:
            mean = round(sum(values) / len(values), 2) if values else None
            found[outcome] = {"respondents": len(people), "answers": len(values), "mean": mean, "suppressed": False}
    return found


def rates(keep: Keep, first: date, last: date, by_offset: bool = True) -> dict[str, tuple[int, int | None]]:
    """Invited and answered per offset (or all together) over the waves opened between the days, by hand."""
    sums: dict[str, list[int]] = {}
    for spec in PROJECTS:
        for offset, opened, invited, answered, _, _ in spec.waves:
            if keep(spec) and first <= date.fromisoformat(opened) <= last:
                pair = sums.setdefault(offset if by_offset else "all", [0, 0])
                pair[0] += invited
                pair[1] += answered
    return {k: (i, None if i < MIN_N else a) for k, (i, a) in sums.items()}


def figures(body: dict[str, object], part: str) -> dict[str, dict[str, object]]:
    """`participants` of each outcome in a report (or year) body, the keys the hand count has."""
    return {
        o["key"]: {k: o["participants"][k] for k in ("respondents", "answers", "mean", "suppressed")}
        for o in body[part]  # type: ignore[attr-defined]
    }


async def story_with_ratings(api: Api) -> Story:
    story = await insert_story(api.sessionmaker, "pf")
    async with api.sessionmaker.begin() as session:
        for key, sources in RATINGS.items():
            for source, levels in sources.items():
                await record_ratings(session, story.project_ids[key], source, levels, at("2026-01-01"))  # type: ignore[arg-type]
    return story


async def test_the_portfolio_figures_equal_a_count_by_hand_of_the_rows(api: Api) -> None:
    story = await story_with_ratings(api)
    answer = await api.http.get("/api/v1/reports/impact", params=PERIOD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["period"] == {"from": "2025-03-01", "to": "2026-06-30", "timezone": "Europe/London"}
    assert body["min_n"] == MIN_N

    # projects created in the period: A, B, C (D before it, E after it)
    projects = body["projects"]
    assert projects["total"] == 3
    assert {s["stage"]: s["projects"] for s in projects["by_stage"]} == {"follow_up": 1, "closed": 1, "workshops": 1}
    assert {t["template"]: t["projects"] for t in projects["by_template"]} == {
        "co-curation": 2,
        "collections-research": 1,
    }

    # participants: every answer submitted in the period, D's (older project) too
    assert figures(body, "outcomes") == participants(story.responses, everything, START, END)
    shown = figures(body, "outcomes")["skills_knowledge"]
    assert shown["respondents"] == 5 + 3 + 6 + 2 + 5 + 5 - 3 - 2  # A's and B's second waves are the same people
    assert figures(body, "outcomes")["relationships"]["mean"] is None  # no Likert question measures it

    # intention / partner / museum, over the projects created in the period that have a level
    by_key = {o["key"]: o for o in body["outcomes"]}
    assert by_key["skills_knowledge"]["intention"] == {"projects": 2, "mean": 3.0}  # A 4, B 2 (not D's 1)
    assert by_key["skills_knowledge"]["partner"] == {"projects": 1, "mean": 5.0}
    assert by_key["skills_knowledge"]["museum"] == {"projects": 1, "mean": 3.0}
    assert by_key["museum_insight"]["museum"] == {"projects": 2, "mean": 4.5}  # B 4, C 5
    assert by_key["confidence"]["intention"] == {"projects": 1, "mean": 3.0}
    assert by_key["relationships"]["intention"] == {"projects": 0, "mean": None}

    # response rates per offset, waves opened in the period; C's deferred invitee is not "invited"
    got = {r["offset"]: (r["invited"], r["answered"]) for r in body["response_rates"]}
    assert got == rates(everything, START, END)
    assert got == {"P3M": (17, 16), "P6M": (4, None), "P12M": (6, 3), "P24M": (5, 5)}
    assert [r["offset"] for r in body["response_rates"]] == ["P3M", "P6M", "P12M", "P24M"]
    p6m = next(r for r in body["response_rates"] if r["offset"] == "P6M")
    assert p6m["suppressed"] is True and p6m["response_rate"] is None and "fewer than 5" in p6m["reason"]
    p24m = next(r for r in body["response_rates"] if r["offset"] == "P24M")
    assert p24m["suppressed"] is False and p24m["response_rate"] == 1.0  # exactly 5: shown

    # year on year: whole calendar years, with 2024 (the year before) because it has data
    assert [(t["year"], t["in_period"]) for t in body["trends"]] == [(2024, False), (2025, True), (2026, True)]
    for trend in body["trends"]:
        first, last = date(trend["year"], 1, 1), date(trend["year"], 12, 31)
        assert figures(trend, "outcomes") == participants(story.responses, everything, first, last)
        invited, answered = rates(everything, first, last, by_offset=False)["all"]
        assert (trend["response"]["invited"], trend["response"]["answered"]) == (invited, answered)
    year_before = body["trends"][0]
    assert year_before["response"]["suppressed"] is True  # 4 invited
    measured = set(LIKERT["community-project@1"].values())  # all D's 4 respondents answered in 2024
    assert {o["key"] for o in year_before["outcomes"] if o["participants"]["suppressed"]} == measured


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ({"template": "collections-research"}, lambda s: s.template == "collections-research"),
        ({"partner": "p2"}, lambda s: "p2" in s.partners),
    ],
)
async def test_filters_narrow_every_figure_and_small_groups_are_suppressed(
    api: Api, query: dict[str, str], keep: Keep
) -> None:
    story = await story_with_ratings(api)
    params = PERIOD | {k: story.partner_ids.get(v, v) for k, v in query.items()}
    body = (await api.http.get("/api/v1/reports/impact", params=params)).json()
    created = [s for s in PROJECTS if keep(s) and START <= date.fromisoformat(s.created) <= END]
    assert body["projects"]["total"] == len(created)
    assert figures(body, "outcomes") == participants(story.responses, keep, START, END)
    assert {r["offset"]: (r["invited"], r["answered"]) for r in body["response_rates"]} == rates(keep, START, END)
    for trend in body["trends"]:
        first, last = date(trend["year"], 1, 1), date(trend["year"], 12, 31)
        assert figures(trend, "outcomes") == participants(story.responses, keep, first, last)
    assert any(o["participants"]["mean"] is not None for o in body["outcomes"])  # not a vacuous match
    # levels: averaged by hand over the kept projects created in the period
    for o in body["outcomes"]:
        for source in ("intention", "partner", "museum"):
            levels = [
                RATINGS[s.key][source][o["key"]] for s in created if o["key"] in RATINGS.get(s.key, {}).get(source, {})
            ]
            mean = round(sum(levels) / len(levels), 2) if levels else None
            assert o[source] == {"projects": len(levels), "mean": mean}, (o["key"], source)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-31"}, "to"),
        ({"from": "2010-01-01", "to": "2026-01-01"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "9999-01-01", "to": "9999-12-31"}, "from"),
        ({"template": "no-such-template"}, "template"),
        ({"partner": "no-such-partner"}, "partner"),
    ],
)
async def test_a_bad_query_is_a_422_naming_the_field(api: Api, params: dict[str, str], field: str) -> None:
    answer = await api.http.get("/api/v1/reports/impact", params=params)
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]


async def test_the_page_and_the_pdf_say_the_same_figures(api: Api) -> None:
    await story_with_ratings(api)
    body = (await api.http.get("/api/v1/reports/impact", params=PERIOD)).json()
    async with signed_in(api, ADMIN_KEY) as pages:
        page = await pages.get("/reports/impact", params=PERIOD)
        assert page.status_code == 200, page.text
        text = page.text
        assert 'href="/reports/impact"' in text and ">Reports</a>" in text  # the staff nav
        assert "/reports/impact.pdf?from=2025-03-01&amp;to=2026-06-30" in text
        assert "<svg " in text and "Outcomes across projects (the chart's figures)" in text
        mean = next(o for o in body["outcomes"] if o["key"] == "skills_knowledge")["participants"]
        assert f"{mean['mean']:.2f} (n = {mean['respondents']})" in text
        assert "Too few answers to show safely (fewer than 5)" in text  # P6M and 2024

        refused = await pages.get("/reports/impact", params={"from": "2026-02-01", "to": "2026-01-31"})
        assert refused.status_code == 422 and 'id="report-to-error"' in refused.text

        pdf = await pages.get("/reports/impact.pdf", params=PERIOD)
        assert pdf.status_code == 200, pdf.text[:300]
        assert pdf.headers["content-type"] == "application/pdf"
    words = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages).split())
    for heading in (
        "Portfolio impact report",
        "Projects",
        "Outcomes across projects",
        "Response rates",
        "Year on year",
    ):
        assert heading in words
    assert "Page 1 of" in words
    assert f"{mean['mean']:.2f} (n = {mean['respondents']})" in words
    assert "Too few answers to show safely (fewer than 5)" in words
