"""Intentions and reflection ratings over HTTP (issue 16): staff say what a project aims to change, the
partner's and the museum's reflections rate the same outcomes, and all three land in `outcome_rating`
(read through `store.reports.ratings.ratings_of`, as the reports do).

Real app, real worker on the dev server, real database. Refusals: an unknown outcome key or a level
outside 1-5 is a 422 naming `intended_outcomes.<key>` / `outcome_ratings.<key>`; ratings on a milestone
whose template does not carry them are a 422 naming `outcome_ratings` (the workflow's rule); a partner
rating the museum's reflection is refused as any partner submitting a staff milestone is (403).
"""

from __future__ import annotations

from typing import Any

from tests.api.rating_support import AIMS, reflect, stored_ratings, to_evaluation
from tests.api.support import create_partner, create_project, eventually, ok, partner_client, project_body


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


async def test_both_reflections_rate_the_outcomes_staff_aimed_at_and_all_three_reach_the_ratings(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]], intended_outcomes=AIMS)
    pid = project["id"]
    assert project["intended_outcomes"] == AIMS
    await eventually(lambda: stored_ratings(api, pid), lambda found: found.get("intention") == AIMS)

    async with await partner_client(api, partner["id"]) as as_partner:
        await to_evaluation(api, as_partner, pid)
        # The partner cannot rate the museum's reflection (it is staff's milestone).
        refused = await reflect(as_partner, pid, "staff_reflection", {"confidence": 1})
        assert refused.status_code == 403 and fields(refused) == ["milestone_key"]
        partner_levels = {"skills_knowledge": 3, "relationships": 4, "confidence": 2}
        done = ok(await reflect(as_partner, pid, "partner_reflection", partner_levels), 201)
        assert done["rates_outcomes"] is True
        assert done["submissions"][-1]["outcome_ratings"] == partner_levels
    museum_levels = {"skills_knowledge": 4, "relationships": 4, "wellbeing_participation": 2}
    ok(await reflect(api.http, pid, "staff_reflection", museum_levels), 201)

    expected = {"intention": AIMS, "partner": partner_levels, "museum": museum_levels}
    assert await eventually(lambda: stored_ratings(api, pid), lambda found: found == expected) == expected
    view = ok(await api.http.get(f"/api/v1/projects/{pid}"), 200)
    assert view["intended_outcomes"] == AIMS
    evaluation = {m["key"]: m for m in view["milestones"]["evaluation"]}
    assert evaluation["partner_reflection"]["submissions"][0]["outcome_ratings"] == partner_levels
    assert evaluation["staff_reflection"]["submissions"][0]["outcome_ratings"] == museum_levels
    assert view["milestones"]["proposal"][0]["rates_outcomes"] is False


async def test_an_edit_replaces_the_intentions_and_an_empty_set_clears_them(api):
    partner = await create_partner(api)
    pid = (await create_project(api, [partner["id"]], intended_outcomes=AIMS))["id"]
    edited = ok(await api.http.patch(f"/api/v1/projects/{pid}", json={"intended_outcomes": {"confidence": 5}}), 200)
    assert edited["intended_outcomes"] == {"confidence": 5}
    await eventually(lambda: stored_ratings(api, pid), lambda found: found == {"intention": {"confidence": 5}})
    events = ok(await api.http.get(f"/api/v1/projects/{pid}/events"), 200)["items"]
    edit = next(e for e in events if e["type"] == "project_edited")
    assert edit["detail"]["fields"] == "intended_outcomes" and edit["detail"]["intended_outcomes"] == "confidence=5"
    ok(await api.http.patch(f"/api/v1/projects/{pid}", json={"intended_outcomes": {}}), 200)
    await eventually(lambda: stored_ratings(api, pid), lambda found: found == {})


async def test_a_project_without_intentions_works_as_before_and_has_no_ratings(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    assert project["intended_outcomes"] == {}
    ok(await api.http.patch(f"/api/v1/projects/{project['id']}", json={"title": "Renamed"}), 200)
    events = await eventually(
        lambda: _events(api, project["id"]), lambda es: any(e["type"] == "project_edited" for e in es)
    )
    assert events and await stored_ratings(api, project["id"]) == {}


async def _events(api: Any, pid: str) -> list[dict[str, Any]]:
    return list(ok(await api.http.get(f"/api/v1/projects/{pid}/events"), 200)["items"])


async def test_unknown_outcomes_and_levels_outside_one_to_five_are_refused_naming_the_outcome(api):
    partner = await create_partner(api)
    cases = [
        ({"not_an_outcome": 3}, "intended_outcomes.not_an_outcome"),
        ({"confidence": 6}, "intended_outcomes.confidence"),
        ({"confidence": 0}, "intended_outcomes.confidence"),
        ({"confidence": "lots"}, "intended_outcomes.confidence"),
    ]
    for levels, field in cases:
        refused = await api.http.post("/api/v1/projects", json=project_body([partner["id"]], intended_outcomes=levels))
        assert refused.status_code == 422 and fields(refused) == [field], (levels, refused.json())
        assert "lots" not in refused.text  # the input is never echoed
    pid = (await create_project(api, [partner["id"]]))["id"]
    bad_edit = await api.http.patch(f"/api/v1/projects/{pid}", json={"intended_outcomes": {"wellbeing": 2}})
    assert bad_edit.status_code == 422 and fields(bad_edit) == ["intended_outcomes.wellbeing"]
    assert "community engagement theory of change" in bad_edit.json()["errors"][0]["reason"].lower()
    high = await api.http.patch(f"/api/v1/projects/{pid}", json={"intended_outcomes": {"confidence": 9}})
    assert high.status_code == 422 and fields(high) == ["intended_outcomes.confidence"]
    assert "1 (not at all) to 5 (fully)" in high.json()["errors"][0]["reason"]


async def test_ratings_on_a_milestone_that_does_not_carry_them_are_refused_by_the_workflow(api):
    partner = await create_partner(api)
    pid = (await create_project(api, [partner["id"]]))["id"]
    async with await partner_client(api, partner["id"]) as as_partner:
        refused = await reflect(as_partner, pid, "proposal", {"confidence": 4})
        assert refused.status_code == 422 and fields(refused) == ["outcome_ratings"]
        assert "does not rate outcomes" in refused.json()["errors"][0]["reason"]
        unknown = await reflect(as_partner, pid, "proposal", {"made_up": 4})
        assert unknown.status_code == 422 and fields(unknown) == ["outcome_ratings.made_up"]
        out_of_range = await reflect(as_partner, pid, "proposal", {"confidence": 7})
        assert out_of_range.status_code == 422 and fields(out_of_range) == ["outcome_ratings.confidence"]
        # Nothing was submitted by any of these: the proposal is still pending.
        ok(await reflect(as_partner, pid, "proposal", {}), 201)


async def test_a_multipart_submission_carries_its_ratings_as_one_field_per_outcome(api):
    partner = await create_partner(api)
    pid = (await create_project(api, [partner["id"]]))["id"]
    url = f"/api/v1/projects/{pid}/milestones/proposal/submissions"
    no_file = {"files": ("", b"", "application/octet-stream")}  # a browser's empty file input: multipart, no file
    async with await partner_client(api, partner["id"]) as as_partner:
        high = await as_partner.post(url, data={"summary": "Ours", "outcome_ratings.confidence": "8"}, files=no_file)
        assert high.status_code == 422 and fields(high) == ["outcome_ratings.confidence"]
        # In range, the levels reach the workflow, whose rule refuses them on a proposal.
        sent = await as_partner.post(url, data={"summary": "Ours", "outcome_ratings.confidence": "4"}, files=no_file)
        assert sent.status_code == 422 and fields(sent) == ["outcome_ratings"]
