"""Garbage in is a 4xx naming the field, never a 500: wrong types, huge strings, bad dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from api.errors import UNKNOWN_PARTNER, UNKNOWN_TEMPLATE
from tests.api.support import create_partner, create_project, ok, project_body

NOW = datetime.now(UTC)


def fields(response) -> set[str]:
    """The top-level body fields a 422 names, in the one error shape (`lead.email` names `lead`)."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "InvalidSubmission" and body["detail"], body
    assert len(response.content) < 4000, "an error answer quotes no more than a short excerpt of the input"
    return {e["field"].split(".")[0] for e in body["errors"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": 123}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 100_000}, "title"),
        ({"summary": "y" * 1_000_000}, "summary"),
        ({"lead": {"name": "Lead", "email": "not-an-address"}}, "lead"),
        ({"lead": "Lead"}, "lead"),
        ({"partner_ids": "abc"}, "partner_ids"),
        ({"partner_ids": [None]}, "partner_ids"),
        ({"follow_up_schedule": ["3 months"]}, "follow_up_schedule"),
        ({"follow_up_schedule": ["P0D"]}, "follow_up_schedule"),
        ({"follow_up_schedule": ["PT999999999999999999H"]}, "follow_up_schedule"),
        ({"follow_up_schedule": ["P9999Y"]}, "follow_up_schedule"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_a_malformed_project_is_422_naming_the_field(api, changes, field):
    response = await api.http.post("/api/v1/projects", json={**project_body([]), **changes})
    assert field in fields(response)


async def test_an_unknown_template_or_partner_is_422_naming_the_field(api):
    template = await api.http.post("/api/v1/projects", json=project_body([], template="no-such-template"))
    assert template.status_code == 422
    assert template.json()["errors"][0]["field"] == "template"
    assert template.json()["error"] == "InvalidSubmission"
    assert template.json()["detail"] == UNKNOWN_TEMPLATE

    partner = await api.http.post("/api/v1/projects", json=project_body(["no-such-partner"]))
    assert partner.status_code == 422
    assert partner.json()["errors"][0]["field"] == "partner_ids"
    assert partner.json()["detail"] == UNKNOWN_PARTNER
    assert "no-such-partner" in partner.json()["errors"][0]["reason"]


async def test_bodies_that_are_not_objects_and_oversized_headers_are_refused(api):
    not_json = await api.http.post(
        "/api/v1/projects", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert (await api.http.post("/api/v1/projects", json=[1, 2, 3])).status_code == 422
    long_key = await api.http.post("/api/v1/projects", json=project_body([]), headers={"Idempotency-Key": "k" * 500})
    assert long_key.status_code == 422
    for params in ({"stage": "nowhere"}, {"limit": 0}, {"limit": 100_000}, {"overdue": "maybe"}, {"offset": -1}):
        assert (await api.http.get("/api/v1/projects", params=params)).status_code == 422


async def test_workshop_display_and_attendance_refuse_bad_and_naive_dates(api):
    partner = await create_partner(api)
    pid = (await create_project(api, [partner["id"]]))["id"]
    workshops = f"/api/v1/projects/{pid}/workshops"
    good = {
        "title": "Session",
        "starts_at": (NOW + timedelta(days=3)).isoformat(),
        "ends_at": (NOW + timedelta(days=3, hours=2)).isoformat(),
        "place": "Room",
    }
    for changes, field in (
        ({"starts_at": "2024-13-45T10:00:00Z"}, "starts_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"ends_at": "3000-01-01T00:00:00Z"}, "ends_at"),
        ({"place": "p" * 10_000}, "place"),
    ):
        assert field in fields(await api.http.post(workshops, json={**good, **changes}))
    backwards = await api.http.post(
        workshops, json={**good, "ends_at": good["starts_at"], "starts_at": good["ends_at"]}
    )
    assert backwards.status_code == 422

    display = f"/api/v1/projects/{pid}/display"
    backwards_display = {"title": "T", "location": "L", "opens_at": "2031-02-01T10:00", "closes_at": "2031-01-01T10:00"}
    assert "closes_at" in fields(await api.http.put(display, json=backwards_display))
    # Without an offset a time is read in the project's zone (tests/api/test_input_rules.py), not refused.
    naive = {"title": "T", "location": "L", "opens_at": "2031-01-01T10:00:00", "closes_at": "2031-02-01T10:00:00"}
    assert (await api.http.put(display, json=naive)).status_code == 409  # well formed; out of turn at proposal

    attendance = f"/api/v1/projects/{pid}/workshops/w1/attendance"
    assert "attendance" in fields(await api.http.post(attendance, json={"attendance": -1}))
    assert "attendance" in fields(await api.http.post(attendance, json={"attendance": "many"}))
    # Well formed, but at proposal there is no such session yet: the workflow says which field.
    unknown = await api.http.post(attendance, json={"attendance": 3})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "workshop_id"

    # Scheduling in the proposal stage is out of turn: 409, not 500.
    early = await api.http.post(workshops, json=good)
    assert early.status_code == 409
    assert early.json()["error"] == "OutOfTurn"
    assert ok(await api.http.get(f"/api/v1/projects/{pid}"), 200)["workshops"] == []


async def test_a_partner_seen_once_is_not_looked_up_again_but_an_unknown_one_still_is(api):
    """The create path remembers partners it found (api.partners.known): the second project with the
    same partner asks the database nothing about partners, and an unknown id beside a known one is
    still refused. Statements are counted on the real engine, not mocked."""
    partner = await create_partner(api)
    partner_queries: list[str] = []

    def on_execute(
        conn: object, cursor: object, statement: str, parameters: object, context: object, executemany: bool
    ) -> None:
        # The API's existence check selects ids only (the worker, sharing this engine, reads whole rows).
        if statement.startswith("SELECT partner.id \nFROM partner"):
            partner_queries.append(statement)

    engine = api.sessionmaker.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        await create_project(api, [partner["id"]])
        first = len(partner_queries)
        await create_project(api, [partner["id"]])
        second = len(partner_queries) - first
        refused = await api.http.post("/api/v1/projects", json=project_body([partner["id"], "no-such-partner"]))
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)

    assert (first, second) == (1, 0)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "partner_ids"
    assert "no-such-partner" in refused.json()["errors"][0]["reason"]
