"""A partner key sees and acts on its own organisation's projects only; others are 404, never 403."""

from __future__ import annotations

from api.errors import PARTNER_NOT_FOUND, PROJECT_NOT_FOUND
from tests.api.support import create_partner, create_project, ok, partner_client, read_project, submit


async def test_partner_a_can_neither_see_nor_touch_partner_b_project(api):
    partner_a = await create_partner(api, "Partner A")
    partner_b = await create_partner(api, "Partner B")
    project_a = await create_project(api, [partner_a["id"]], title="A's project")
    project_b = await create_project(api, [partner_b["id"]], title="B's project")

    async with await partner_client(api, partner_a["id"]) as as_a:
        seen = await as_a.get(f"/api/v1/projects/{project_b['id']}")
        assert seen.status_code == 404
        assert seen.json()["detail"] == PROJECT_NOT_FOUND

        listed = ok(await as_a.get("/api/v1/projects"), 200)
        assert [p["id"] for p in listed["items"]] == [project_a["id"]]
        assert listed["total"] == 1
        assert ok(await as_a.get("/api/v1/projects", params={"partner": partner_b["id"]}), 200)["items"] == []

        touched = await submit(as_a, project_b["id"], "proposal")
        assert touched.status_code == 404
        assert touched.json()["detail"] == PROJECT_NOT_FOUND
        # An unknown milestone on someone else's project must not tell "no such milestone" either.
        assert (await submit(as_a, project_b["id"], "no_such_milestone")).status_code == 404

        assert (await as_a.get(f"/api/v1/projects/{project_b['id']}/events")).status_code == 404
        assert (await as_a.get(f"/api/v1/partners/{partner_b['id']}")).json()["detail"] == PARTNER_NOT_FOUND
        partners = ok(await as_a.get("/api/v1/partners"), 200)
        assert [p["id"] for p in partners["items"]] == [partner_a["id"]]

        # Its own project: visible, and its submission is accepted.
        mine = await read_project(as_a, project_a["id"])
        assert mine["title"] == "A's project"
        assert [a["action"] for a in mine["actions"]] == ["submit"]
        assert ok(await submit(as_a, project_a["id"], "proposal"), 201)["status"] == "submitted"

    untouched = await read_project(api.http, project_b["id"])
    assert untouched["milestones"]["proposal"][0]["submissions"] == []


async def test_a_partner_key_cannot_do_staff_work_or_start_projects_for_others(api):
    partner = await create_partner(api)
    other = await create_partner(api, "Someone else")
    project = await create_project(api, [partner["id"]])
    async with await partner_client(api, partner["id"]) as as_partner:
        review = await as_partner.post(
            f"/api/v1/projects/{project['id']}/milestones/proposal/review", json={"decision": "accept"}
        )
        assert review.status_code == 403
        assert (await as_partner.post(f"/api/v1/projects/{project['id']}/pause", json={})).status_code == 403
        assert (await as_partner.get("/api/v1/outbox")).status_code == 403
        body = {
            "template": "co-curation",
            "title": "For someone else",
            "lead": {"name": "Lead", "email": "lead@museum.example"},
            "partner_ids": [other["id"]],
        }
        assert (await as_partner.post("/api/v1/projects", json=body)).status_code == 403
        own = ok(await as_partner.post("/api/v1/projects", json={**body, "partner_ids": [partner["id"]]}), 201)
        assert own["partners"] == [partner["id"]]
