"""Staff's follow-up views over HTTP: the waves before and after follow-up starts, the schedule, CSV, outcomes.

Waves are opened as the worker would (store.surveys.writes_wave_open); the full story with FollowUpWorkflow, the
worker and SMTP is tests/api/test_surveys_end_to_end.py.
"""

from __future__ import annotations

import csv
import io

from tests.api.conftest import Api, http_client
from tests.api.support import ok
from tests.api.survey_support import GOOD_ANSWERS, QUESTION_KEYS, answer, open_wave_now, survey_project


async def test_before_follow_up_starts_the_report_shows_the_schedule_and_staff_can_change_it(api: Api) -> None:
    project_id, _ = await survey_project(api)
    url = f"/api/v1/projects/{project_id}/follow-up"
    before = ok(await api.http.get(url), 200)
    assert before == {
        "started": False,
        "finished": False,
        "schedule": ["PT10S", "P3M"],
        "anchor_at": None,
        "timezone": "Europe/London",
        "instrument": None,
        "waves": [],
        "live": True,
        "live_reason": None,
    }
    changed = ok(await api.http.put(f"{url}/schedule", json={"offsets": ["P1M", "p6m", "P1Y"]}), 200)
    assert changed["started"] is False and changed["schedule"] == ["P1M", "P6M", "P1Y"]
    assert ok(await api.http.get(f"/api/v1/projects/{project_id}"), 200)["follow_up_schedule"] == ["P1M", "P6M", "P1Y"]

    # The end date is the project's own until evaluation completes: ProjectWorkflow refuses to move it.
    anchor = await api.http.put(f"{url}/schedule", json={"offsets": ["P1M"], "anchor_at": "2030-01-01T00:00:00Z"})
    assert anchor.status_code == 422 and anchor.json()["errors"][0]["field"] == "anchor_at"
    only_anchor = await api.http.put(f"{url}/schedule", json={"anchor_at": "2030-01-01T00:00:00Z"})
    assert only_anchor.status_code == 422 and only_anchor.json()["errors"][0]["field"] == "anchor_at"
    body: object  # the bodies below differ in shape on purpose
    for body in (
        {},
        {"offsets": []},
        {"offsets": ["three months"]},
        {"offsets": ["P40Y"]},
        {"offsets": ["PT0S"]},
        {"offsets": ["P1M"] * 25},
        {"offsets": "P1M"},
        {"anchor_at": "yesterday"},
        {"anchor_at": "2030-01-01T00:00:00"},
        {"anchor_at": "1900-01-01T00:00:00Z"},
        {"offsets": ["P1M"], "surprise": True},
    ):
        refused = await api.http.put(f"{url}/schedule", json=body)
        assert refused.status_code == 422, (body, refused.text)
    missing = await api.http.put("/api/v1/projects/0123456789abcdef/follow-up/schedule", json={"offsets": ["P1M"]})
    assert missing.status_code == 404


async def test_the_report_counts_each_wave_from_the_database_and_exports_answers_without_addresses(api: Api) -> None:
    project_id, (ada, bryn, cai) = await survey_project(api)
    tokens = await open_wave_now(api, project_id)
    async with http_client(api.app, key=None) as anyone:
        ok(await answer(anyone, tokens[ada]), 201)
        welsh = {**GOOD_ANSWERS, "skills_gained": 2, "confidence": 3, "activities_since": [], "visits_since": 2.5}
        welsh["lasting_difference"] = '=HYPERLINK("http://evil.example")'
        ok(
            await anyone.post(f"/api/v1/surveys/{tokens[bryn]}/responses", json={"answers": welsh, "language": "cy"}),
            201,
        )
        ok(await anyone.post(f"/api/v1/surveys/{tokens[cai]}/opt-out", json={}), 200)

    report = ok(await api.http.get(f"/api/v1/projects/{project_id}/follow-up"), 200)
    assert report["started"] is True and report["finished"] is False
    [wave] = report["waves"]
    assert (wave["index"], wave["offset"], wave["status"]) == (0, "P3M", "open")
    counts = {k: wave[k] for k in ("invited", "reminded", "answered", "opted_out", "bounced", "deferred")}
    assert counts == {"invited": 3, "reminded": 0, "answered": 2, "opted_out": 1, "bounced": 0, "deferred": 0}
    assert wave["response_rate"] == 0.6667

    exported = await api.http.get(f"/api/v1/projects/{project_id}/responses.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"].startswith(f'attachment; filename="responses-{project_id}-')
    assert "@" not in exported.text and "Ada" not in exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert list(rows[0]) == [
        "respondent_id",
        "role",
        "language",
        "wave_index",
        "offset",
        "submitted_at",
        *QUESTION_KEYS,
    ]
    by_id = {r["respondent_id"]: r for r in rows}
    assert set(by_id) == {ada, bryn}
    assert by_id[ada]["role"] == "participant" and by_id[ada]["wave_index"] == "0" and by_id[ada]["offset"] == "P3M"
    assert by_id[ada]["skills_gained"] == "4" and by_id[ada]["activities_since"] == "visited;shared_skills"
    assert by_id[ada]["lasting_difference"] == "We still meet every month."
    assert by_id[bryn]["language"] == "cy" and by_id[bryn]["visits_since"] == "2.5"
    assert by_id[bryn]["activities_since"] == ""
    assert by_id[bryn]["lasting_difference"] == '\'=HYPERLINK("http://evil.example")'

    outcomes = ok(await api.http.get(f"/api/v1/projects/{project_id}/outcomes"), 200)
    assert outcomes["instrument"] == "community-project@1" and outcomes["framework"] == "community-impact"
    by_key = {o["key"]: o for o in outcomes["outcomes"]}
    assert len(by_key) == 6
    assert by_key["skills_knowledge"]["questions"] == ["skills_gained"]
    assert by_key["skills_knowledge"]["waves"] == [
        {"index": 0, "offset": "P3M", "responses": 2, "likert_answers": 2, "likert_mean": 3.0}
    ]
    assert by_key["confidence"]["waves"][0]["likert_mean"] == 4.0
    assert by_key["relationships"]["waves"][0] == {
        "index": 0,
        "offset": "P3M",
        "responses": 2,
        "likert_answers": 0,
        "likert_mean": None,
    }
    assert by_key["sustained_collaboration"]["waves"][0]["responses"] == 2  # Bryn: no activities, but text


async def test_an_empty_project_exports_a_header_only_csv_and_empty_outcomes(api: Api) -> None:
    project_id, _ = await survey_project(api, people=[])
    exported = await api.http.get(f"/api/v1/projects/{project_id}/responses.csv")
    assert exported.status_code == 200
    assert exported.text.splitlines() == [
        ",".join(["respondent_id", "role", "language", "wave_index", "offset", "submitted_at", *QUESTION_KEYS])
    ]
    outcomes = ok(await api.http.get(f"/api/v1/projects/{project_id}/outcomes"), 200)
    assert all(o["waves"] == [] for o in outcomes["outcomes"])
