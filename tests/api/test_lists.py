"""Lists served from the read model: filters, overdue, pagination; the outbox; the templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from store.tables import Milestone, Project
from tests.api.support import create_partner, create_project, eventually, ok, partner_client, review, submit


async def _listed(api, **params):
    return ok(await api.http.get("/api/v1/projects", params=params), 200)


async def test_projects_are_listed_newest_first_and_filtered_by_stage_template_partner_and_overdue(api):
    river = await create_partner(api, "River group")
    garden = await create_partner(api, "Garden group")
    first = await create_project(api, [river["id"]], title="First")
    second = await create_project(api, [garden["id"]], title="Second")
    third = await create_project(api, [river["id"], garden["id"]], title="Third")

    page = await _listed(api)
    assert [p["title"] for p in page["items"]] == ["Third", "Second", "First"]
    assert page["total"] == 3
    assert page["items"][0]["partners"] == sorted([river["id"], garden["id"]])
    two = await _listed(api, limit=2, offset=1)
    assert [p["title"] for p in two["items"]] == ["Second", "First"]
    assert (two["total"], two["limit"], two["offset"]) == (3, 2, 1)

    assert [p["title"] for p in (await _listed(api, partner=river["id"]))["items"]] == ["Third", "First"]
    assert (await _listed(api, template="co-curation"))["total"] == 3
    assert (await _listed(api, template="collections-research"))["total"] == 0

    # The first project moves on; the list follows once the activity has recorded it.
    async with await partner_client(api, river["id"]) as as_river:
        ok(await submit(as_river, first["id"], "proposal"), 201)
    ok(await review(api.http, first["id"], "proposal"), 200)
    moved = await eventually(lambda: _listed(api, stage="partnership"), lambda p: p["total"] == 1)
    assert moved["items"][0]["id"] == first["id"]
    assert {p["id"] for p in (await _listed(api, stage="proposal"))["items"]} == {second["id"], third["id"]}

    # Overdue: a milestone of the current stage still owed past its due date (moved back in the read model).
    assert (await _listed(api, overdue="true"))["total"] == 0
    await eventually(lambda: _milestone_rows(api, second["id"]), lambda n: n > 0)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    async with api.sessionmaker() as session:
        await session.execute(
            update(Milestone)
            .where(Milestone.project_id == second["id"], Milestone.key == "proposal")
            .values(due_at=yesterday)
        )
        # What a snapshot writes alongside: the project's earliest owed due date (the indexed filter).
        await session.execute(update(Project).where(Project.id == second["id"]).values(next_due_at=yesterday))
        await session.commit()
    overdue = await _listed(api, overdue="true")
    assert [p["id"] for p in overdue["items"]] == [second["id"]]
    assert overdue["items"][0]["overdue"] is True
    assert second["id"] not in {p["id"] for p in (await _listed(api, overdue="false"))["items"]}


async def _milestone_rows(api, project_id: str) -> int:
    async with api.sessionmaker() as session:
        counted = await session.execute(select(func.count()).where(Milestone.project_id == project_id))
        return int(counted.scalar_one())


async def test_staff_read_the_outbox_of_a_project(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    other = await create_project(api, [partner["id"]], title="Other")
    page = await eventually(
        lambda: api.http.get("/api/v1/outbox", params={"project_id": project["id"]}),
        lambda r: r.json()["total"] >= 2,
    )
    emails = page.json()["items"]
    assert {e["project_id"] for e in emails} == {project["id"]}
    assert {e["to"] for e in emails} == {"contact@example.org", "lead@museum.example"}
    assert all(e["subject"] and e["body"] and e["status"] == "held" and e["sent_at"] is None for e in emails)
    everything = await eventually(
        lambda: api.http.get("/api/v1/outbox", params={"limit": 200}),
        lambda r: {e["project_id"] for e in r.json()["items"]} == {project["id"], other["id"]},
    )
    created = [e["created_at"] for e in everything.json()["items"]]
    assert created == sorted(created, reverse=True)


async def test_templates_are_listed_and_read_by_name_and_version(api):
    listed = ok(await api.http.get("/api/v1/templates"), 200)
    names = [t["name"] for t in listed["items"]]
    assert "co-curation" in names and names == sorted(names)
    co_curation = next(t for t in listed["items"] if t["name"] == "co-curation")
    assert co_curation["stages"] == ["proposal", "partnership", "workshops", "display", "evaluation", "follow_up"]

    latest = ok(await api.http.get("/api/v1/templates/co-curation"), 200)
    assert latest["version"] == 1 and latest["stages"][0]["milestones"][0]["key"] == "proposal"
    assert ok(await api.http.get("/api/v1/templates/co-curation", params={"version": 1}), 200) == latest
    assert (await api.http.get("/api/v1/templates/co-curation", params={"version": 99})).status_code == 404
    assert (await api.http.get("/api/v1/templates/nothing")).status_code == 404
    openapi = ok(await api.http.get("/openapi.json"), 200)
    assert "/api/v1/projects/{project_id}/milestones/{milestone_key}/submissions" in openapi["paths"]
    assert (await api.http.get("/docs")).status_code == 200
