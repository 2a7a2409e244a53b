"""A project's impact report end to end (issue 16): intentions to a finished report, two years on.

HTTP API + real worker + real database + real SMTP, in skipped time (the story fixture of the survey
end-to-end test). Staff start a project with intended outcomes; the partner's and the museum's
reflections rate the same outcomes; six people are invited to three follow-up waves (3 months, 1 year
and 2 years after the project ends) by e-mail and answer through the links they were sent: six, then
five, then four of them. When the last wave closes the project closes itself, and its report:

- gives every figure the rows give, each worked out here from the database's own rows and the
  instrument's file, never through the report's code;
- withholds the last wave (four answers, under ENGAGE_REPORT_MIN_N = 5) and says why;
- quotes only people who agreed, by role, never by name;
- prints the same figures into an A4 PDF with page numbers.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlalchemy import func, select

from domain.impact import LEVEL_MAX, LEVEL_MIN
from store.tables import Milestone, Respondent, Submission, SurveyInvitation, SurveyResponse
from tests.api.conftest import ADMIN_KEY, http_client
from tests.api.support import ok, project_body
from tests.api.test_follow_up_pages import hidden
from tests.api.test_surveys_end_to_end import (
    LINK,
    Story,
    body_of,
    drive_to_follow_up,
    eventually,
    mail_after,
    report,
    stage_is,
    story,
    survey_mail,
    to,
)

__all__ = ["story"]  # the fixture, imported so pytest finds it here

INSTRUMENTS = Path(__file__).resolve().parents[2] / "domain" / "instruments"
PEOPLE = [
    (f"Person {j}", f"person{j}@respondents.example", "participant" if j < 4 else "partner_staff") for j in range(6)
]
ANSWERING = (6, 5, 4)  # how many of the six answer each wave
CONSENTING = {0, 1}  # who agrees to be quoted
INTENTIONS = {"skills_knowledge": 4, "confidence": 4, "museum_insight": 3}
PARTNER_SAYS = {"skills_knowledge": 5, "confidence": 3, "relationships": 4}
MUSEUM_SAYS = {"skills_knowledge": 4, "museum_insight": 4}
COSTS = {"access_needs": 40.5, "installation": 250.0}
MIN_N = 5


def answers_of(person: int, wave: int) -> dict[str, Any]:
    """Answers that differ by person and wave, so means and distributions are not all one level."""
    return {
        "skills_gained": 1 + (person + wave) % 5,
        "confidence": 1 + (2 * person + wave) % 5,
        "museum_understanding": 5 - person % 3,
        "wellbeing": 1 + (person + 2 * wave) % 5,
        "contact_since": "sometimes",
        "activities_since": ["visited"],
        "visits_since": person,
        "lasting_difference": f"Wave {wave}: what stayed with respondent {person}.",
        "quote_consent": "yes" if person in CONSENTING else "no",
    }


async def test_a_project_with_three_waves_over_two_years_reports_what_its_rows_say(story: Story) -> None:
    env, http, anyone = story.env, story.http, story.anyone
    partner = ok(
        await http.post(
            "/api/v1/partners",
            json={"name": "Estuary Youth Collective", "contact_name": "Contact", "contact_email": "c@estuary.example"},
        ),
        201,
    )
    body = project_body([partner["id"]], follow_up_schedule=["P3M", "P1Y", "P2Y"], intended_outcomes=INTENTIONS)
    pid = ok(await http.post("/api/v1/projects", json=body), 201)["id"]
    for name, email, role in PEOPLE:
        someone = {"name": name, "email": email, "language": "en", "role": role}
        ok(await http.post(f"/api/v1/projects/{pid}/respondents", json=someone), 201)
    key = ok(await http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)["key"]
    extra: dict[str, dict[str, Any]] = {
        **{k: {"cost": v} for k, v in COSTS.items()},
        "partner_reflection": {"outcome_ratings": PARTNER_SAYS},
        "staff_reflection": {"outcome_ratings": MUSEUM_SAYS},
    }
    async with http_client(story.app, key) as as_partner:
        await drive_to_follow_up(story, pid, as_partner, extra)
    await stage_is(story, pid, "follow_up")
    waves = (await eventually(lambda: report(story, pid), lambda r: len(r["waves"]) == 3))["waves"]

    # Each wave: sleep to its sending time, take the links from the invitations, answer, sleep past its close.
    seen = len(survey_mail(story))
    for index, wave in enumerate(waves):
        await env.sleep(datetime.fromisoformat(wave["due_at"]) - await env.get_current_time() + timedelta(minutes=1))
        invitations = await mail_after(story, seen, len(PEOPLE))
        tokens = {to(m): LINK.search(body_of(m)) for m in invitations}
        for person, (_, email, _) in enumerate(PEOPLE[: ANSWERING[index]]):
            link = tokens[email]
            assert link is not None, f"the invitation to person {person} carries a link"
            answered = await anyone.post(
                f"/api/v1/surveys/{link.group(1)}/responses", json={"answers": answers_of(person, index)}
            )
            ok(answered, 201)
        closes = datetime.fromisoformat(wave["closes_at"])
        await env.sleep(closes - await env.get_current_time() + timedelta(days=1))
        await eventually(lambda: report(story, pid), closed(index))
        seen = len(survey_mail(story))
    await stage_is(story, pid, "closed")

    made = ok(await http.get(f"/api/v1/projects/{pid}/report"), 200)
    expected = await figures_from_rows(story, pid)

    # Outputs, from the project's rows and what was sent.
    outputs = made["outputs"]
    assert (outputs["sessions_held"], outputs["attendance_total"]) == (1, 9)
    assert outputs["participants_reached"] == expected["people"] == len(PEOPLE)
    assert [p["name"] for p in outputs["partners"]] == ["Estuary Youth Collective"]
    assert outputs["display_days"] == expected["display_days"]
    assert (outputs["milestones_on_time"], outputs["milestones_late"]) == expected["on_time_late"]
    assert outputs["costs_gbp"] == sum(COSTS.values()) == 290.5

    # Response rates per wave, from the invitation and response rows.
    assert [(w["invited"], w["answered"], w["response_rate"]) for w in made["waves"]] == expected["rates"]
    assert [w["answered"] for w in made["waves"]] == list(ANSWERING)

    # Outcomes: the three sides as given, participants per wave as the answers give, the last wave withheld.
    outcomes = {o["key"]: o for o in made["outcomes"]}
    for key, outcome in outcomes.items():
        assert (outcome["intention"], outcome["partner"], outcome["museum"]) == (
            INTENTIONS.get(key),
            PARTNER_SAYS.get(key),
            MUSEUM_SAYS.get(key),
        )
        for figures in outcome["waves"]:
            want = expected["outcomes"][key][figures["index"]]
            assert (figures["n"], figures["answers"]) == (want["n"], want["answers"]), (key, figures)
            if want["n"] == 0:  # no 1-5 question measures it (relationships): nothing to show, nothing withheld
                assert figures["mean"] is None and figures["distribution"] is None, key
            elif want["n"] < MIN_N:
                assert figures["suppressed"] is True and figures["mean"] is None and figures["distribution"] is None
                assert figures["reason"] == "Too few answers to show safely (fewer than 5)"
            else:
                assert figures["suppressed"] is False
                assert (figures["mean"], figures["distribution"]) == (want["mean"], want["distribution"]), key
    skills = outcomes["skills_knowledge"]
    assert [w["suppressed"] for w in skills["waves"]] == [False, False, True]
    latest_shown = expected["outcomes"]["skills_knowledge"][1]
    assert (skills["participants"]["mean"], skills["participants"]["n"]) == (latest_shown["mean"], 5)
    assert skills["participants"]["wave_index"] == 1

    # Quotes: only those who agreed, by role, never a name or an address.
    quoted = {q["text"] for q in made["quotes"]}
    agreed = {
        answers_of(p, w)["lasting_difference"] for w, n in enumerate(ANSWERING) for p in range(n) if p in CONSENTING
    }
    assert quoted == agreed
    assert {q["role"] for q in made["quotes"]} == {"participant"}
    as_text = json.dumps(made)
    assert not any(name in as_text or email in as_text for name, email, _ in PEOPLE)

    # The PDF: the same figures, A4, numbered pages.
    async with http_client(story.app, None) as pages:
        form = await pages.get("/")
        signed = await pages.post("/sign-in", data={"csrf": hidden(form), "key": ADMIN_KEY})
        assert signed.status_code == 303, signed.text
        pdf = await pages.get(f"/projects/{pid}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Page 1 of" in reader.pages[0].extract_text()
    assert round(float(reader.pages[0].mediabox.width)) == 595 and round(float(reader.pages[0].mediabox.height)) == 842
    assert f"{latest_shown['mean']:.2f}" in text and "£290.50" in text
    assert "Too few answers to show safely (fewer than 5)" in text


def closed(index: int) -> Callable[[dict[str, Any]], bool]:
    """Whether the follow-up report says wave `index` has closed."""
    return lambda follow_up: bool(follow_up["waves"][index]["status"] == "closed")


async def figures_from_rows(story: Story, project_id: str) -> dict[str, Any]:
    """What the report should say, counted from the rows and the instrument's own file."""
    async with story.sessionmaker() as session:
        people = await session.scalar(select(func.count()).where(Respondent.project_id == project_id))
        invited = Counter(
            (
                await session.scalars(
                    select(SurveyInvitation.wave_index).where(
                        SurveyInvitation.project_id == project_id, SurveyInvitation.status == "invited"
                    )
                )
            ).all()
        )
        responses = (await session.scalars(select(SurveyResponse).where(SurveyResponse.project_id == project_id))).all()
        milestones = (await session.scalars(select(Milestone).where(Milestone.project_id == project_id))).all()
        firsts = dict(
            (
                await session.execute(
                    select(Submission.milestone_key, func.min(Submission.submitted_at))
                    .where(Submission.project_id == project_id)
                    .group_by(Submission.milestone_key)
                )
            ).all()
        )
    answered = Counter(r.wave_index for r in responses)
    rates = [(invited[i], answered[i], round(answered[i] / invited[i], 4)) for i in range(len(ANSWERING))]

    outcomes: dict[str, dict[int, dict[str, Any]]] = {}
    for response in responses:
        name, version = response.instrument.split("@")
        instrument = json.loads((INSTRUMENTS / f"{name}.v{version}.json").read_text())
        for question in instrument["questions"]:
            if question.get("outcome"):
                outcomes.setdefault(question["outcome"], {})
    for outcome in outcomes:
        for index in range(len(ANSWERING)):
            values_by_person: dict[str, list[int]] = {}
            for response in (r for r in responses if r.wave_index == index):
                name, version = response.instrument.split("@")
                instrument = json.loads((INSTRUMENTS / f"{name}.v{version}.json").read_text())
                likert = [
                    q["key"] for q in instrument["questions"] if q["kind"] == "likert" and q.get("outcome") == outcome
                ]
                mine = [response.answers[k] for k in likert if k in response.answers]
                if mine:
                    values_by_person[response.respondent_id] = mine
            values = [v for vs in values_by_person.values() for v in vs]
            outcomes[outcome][index] = {
                "n": len(values_by_person),
                "answers": len(values),
                "mean": round(sum(values) / len(values), 2) if values else None,
                "distribution": {str(level): values.count(level) for level in range(LEVEL_MIN, LEVEL_MAX + 1)},
            }

    on_time = late = 0
    for milestone in milestones:
        first = firsts.get(milestone.key)
        if milestone.due_at is None or first is None:
            continue
        on_time += first <= milestone.due_at
        late += first > milestone.due_at
    return {
        "people": people,
        "rates": rates,
        "outcomes": outcomes,
        "on_time_late": (on_time, late),
        "display_days": await display_days(story, project_id),
    }


async def display_days(story: Story, project_id: str) -> int:
    """Calendar days the display was open, first and last counted, in the project's time zone."""
    project = ok(await story.http.get(f"/api/v1/projects/{project_id}"), 200)
    zone = ZoneInfo(project["timezone"])
    opens = datetime.fromisoformat(project["display"]["opens_at"]).astimezone(zone).date()
    closes = datetime.fromisoformat(project["display"]["closes_at"]).astimezone(zone).date()
    assert closes < datetime.now(UTC).astimezone(zone).date(), "the display closed before the report"
    return (closes - opens).days + 1
