"""Inputs people actually send (issue 12 §2): schedules in order, one registration per organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from api.projects.input_schemas import WorkshopCreate
from tests.api.exchange_support import fresh_year, programme, programme_body
from tests.api.support import (
    create_partner,
    create_project,
    eventually,
    ok,
    partner_client,
    project_body,
    review,
    stage_of,
    submit,
)


def named_fields(response) -> set[str]:
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


async def test_times_without_an_offset_are_read_in_the_projects_time_zone(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]], timezone="America/New_York")
    pid = project["id"]
    async with await partner_client(api, partner["id"]) as as_partner:
        ok(await submit(as_partner, pid, "proposal"), 201)
        ok(await review(api.http, pid, "proposal"), 200)
        await eventually(lambda: stage_of(api.http, pid), lambda s: s == "partnership")
    session = {
        "title": "Object handling",
        "starts_at": "2030-06-03T10:00",
        "ends_at": "2030-06-03T12:30:00",
        "place": "Hall",
    }
    booked = ok(await api.http.post(f"/api/v1/projects/{pid}/workshops", json=session), 201)
    # Ten in the morning in New York in June is 14:00 UTC (EDT, UTC-4).
    assert datetime.fromisoformat(booked["starts_at"]) == datetime(2030, 6, 3, 14, 0, tzinfo=UTC)
    assert datetime.fromisoformat(booked["ends_at"]) == datetime(2030, 6, 3, 16, 30, tzinfo=UTC)
    # An offset, when sent, is kept as sent.
    session |= {"starts_at": "2030-06-04T10:00:00+02:00", "ends_at": "2030-06-04T11:00:00+02:00"}
    kept = ok(await api.http.post(f"/api/v1/projects/{pid}/workshops", json=session), 201)
    assert datetime.fromisoformat(kept["starts_at"]) == datetime(2030, 6, 4, 8, 0, tzinfo=UTC)
    # The zone is lent to one request only: outside a request a time without an offset is refused.
    with pytest.raises(ValidationError):
        WorkshopCreate.model_validate({**session, "starts_at": "2030-06-05T10:00", "ends_at": "2030-06-05T11:00"})


async def test_a_programmes_times_without_an_offset_are_read_in_the_museums_time_zone(api):
    partner = await create_partner(api)
    year = fresh_year()
    body = programme_body(year, [partner["id"]], closes_in=timedelta(days=30))
    confirm_by = (datetime.now(ZoneInfo("Europe/London")) + timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    body["confirm_by"] = confirm_by.isoformat()
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    [entry] = (await programme(api.http, year))["partners"]
    expected = confirm_by.replace(tzinfo=ZoneInfo("Europe/London"))
    assert datetime.fromisoformat(entry["confirm_by"]) == expected
