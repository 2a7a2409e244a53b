"""PATCH /api/v1/projects/{id} (issue 15): staff edit title, summary, lead and partners over HTTP.

Real app, real worker on the dev server, real database: the answer is the workflow's new state, the
timeline gets a `project_edited` event naming who did it, and the read model (list row, partner links)
follows. Partners may change only before the display stage; a partner caller is refused.
"""

from __future__ import annotations

from typing import Any

from tests.api.support import (
    create_partner,
    create_project,
    eventually,
    ok,
    partner_client,
    read_project,
)


async def _events(api: Any, pid: str) -> list[dict[str, Any]]:
    return list(ok(await api.http.get(f"/api/v1/projects/{pid}/events"), 200)["items"])


async def test_staff_edit_title_summary_lead_and_partners_and_the_timeline_and_list_follow(api):
    first, second = await create_partner(api), await create_partner(api)
    project = await create_project(api, [first["id"]])
    pid = project["id"]
    body = {
        "title": "Voices of the Estuary",
        "summary": "Now about the estuary.",
        "lead": {"name": "New Lead", "email": "new.lead@museum.example"},
        "partner_ids": [second["id"]],
    }
    edited = ok(await api.http.patch(f"/api/v1/projects/{pid}", json=body), 200)
    assert edited["title"] == "Voices of the Estuary"
    assert edited["summary"] == "Now about the estuary."
    assert edited["lead"] == {"name": "New Lead", "email": "new.lead@museum.example"}
    assert edited["partner_ids"] == [second["id"]]

    events = await eventually(lambda: _events(api, pid), lambda es: any(e["type"] == "project_edited" for e in es))
    event = next(e for e in events if e["type"] == "project_edited")
    assert event["detail"]["fields"] == "title,summary,lead,partner_ids"
    assert event["detail"]["title"] == "Voices of the Estuary"
    assert event["detail"]["partners_added"] == second["id"]
    assert event["detail"]["partners_removed"] == first["id"]
    assert "new.lead" not in str(event) and "New Lead" not in str(event)  # no personal data in the timeline
    assert event["actor"] != "system" and event["actor_name"]

    async def listed() -> list[dict[str, Any]]:
        return list(ok(await api.http.get("/api/v1/projects", params={"partner": second["id"]}), 200)["items"])

    rows = await eventually(listed, lambda items: any(i["id"] == pid for i in items))
    assert next(i for i in rows if i["id"] == pid)["title"] == "Voices of the Estuary"
    gone = ok(await api.http.get("/api/v1/projects", params={"partner": first["id"]}), 200)["items"]
    assert pid not in {i["id"] for i in gone}

    # The removed partner no longer sees the project; the added one does.
    async with await partner_client(api, first["id"]) as as_first:
        assert (await as_first.get(f"/api/v1/projects/{pid}")).status_code == 404
    async with await partner_client(api, second["id"]) as as_second:
        assert (await read_project(as_second, pid))["title"] == "Voices of the Estuary"


async def test_an_edit_that_changes_nothing_records_no_event(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]
    same = ok(await api.http.patch(f"/api/v1/projects/{pid}", json={"title": project["title"]}), 200)
    assert same["title"] == project["title"]
    ok(await api.http.patch(f"/api/v1/projects/{pid}", json={"title": "Changed"}), 200)
    events = await eventually(lambda: _events(api, pid), lambda es: any(e["type"] == "project_edited" for e in es))
    assert [e["detail"]["fields"] for e in events if e["type"] == "project_edited"] == ["title"]


async def test_bad_edits_are_refused_with_field_and_reason(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]
    url = f"/api/v1/projects/{pid}"

    empty = await api.http.patch(url, json={})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "title"
    assert (await api.http.patch(url, json={"title": ""})).status_code == 422
    assert (await api.http.patch(url, json={"lead": {"name": "X", "email": "not-an-address"}})).status_code == 422
    assert (await api.http.patch(url, json={"colour": "red"})).status_code == 422
    unknown = await api.http.patch(url, json={"partner_ids": ["prt_doesnotexist"]})
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["field"] == "partner_ids"
    missing = await api.http.patch("/api/v1/projects/no-such-project", json={"title": "T"})
    assert missing.status_code == 404

    async with await partner_client(api, partner["id"]) as as_partner:
        refused = await as_partner.patch(url, json={"title": "Mine now"})
        assert refused.status_code == 403
    assert (await read_project(api.http, pid))["title"] == project["title"]


async def test_an_ended_project_takes_no_edit(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]
    ok(await api.http.post(f"/api/v1/projects/{pid}/withdraw", json={"reason": "No longer going ahead"}), 200)
    ended = await api.http.patch(f"/api/v1/projects/{pid}", json={"title": "Too late"})
    assert ended.status_code == 409
    assert ended.json()["error"] == "ProjectEnded"
