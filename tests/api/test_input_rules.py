"""Inputs people actually send (issue 12 §2): schedules in order, one registration per organisation."""

from __future__ import annotations

import pytest

from tests.api.support import create_partner, create_project, ok, project_body


def named_fields(response) -> set[str]:  # type: ignore[no-untyped-def]
    """The fields a 422 names, in the one error shape."""
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize("schedule", [["P3M", "P1M"], ["P1M", "P1M"], ["P30D", "P1M"], ["P1Y", "P6M", "P2Y"]])
async def test_a_follow_up_schedule_that_is_not_strictly_increasing_is_422_naming_it(api, schedule):
    response = await api.http.post("/api/v1/projects", json=project_body([], follow_up_schedule=schedule))
    assert "follow_up_schedule" in named_fields(response)


async def test_a_new_follow_up_schedule_must_be_strictly_increasing_too(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]], follow_up_schedule=["P1M", "P3M", "P1Y"])
    path = f"/api/v1/projects/{project['id']}/follow-up/schedule"
    assert "offsets" in named_fields(await api.http.put(path, json={"offsets": ["P6M", "P3M"]}))
    assert (await api.http.put(path, json={"offsets": ["P3M", "P6M"]})).status_code == 200


async def test_a_second_partner_with_the_same_name_is_409_ignoring_case_and_spacing(api):
    first = await create_partner(api, "Harbour Heritage Group")
    for again in ("Harbour Heritage Group", "  harbour   HERITAGE group ", "HARBOUR\tHeritage Group"):
        body = {"name": again, "contact_name": "Someone Else", "contact_email": "else@example.org"}
        refused = await api.http.post("/api/v1/partners", json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "PartnerExists"
    listed = ok(await api.http.get("/api/v1/partners"), 200)
    assert [p["id"] for p in listed["items"]] == [first["id"]]
    await create_partner(api, "Harbour Heritage Trust")  # a different name is a different organisation
