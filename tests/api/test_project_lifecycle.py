"""A co-curation project driven over HTTP through every stage, then read back and closed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from api.errors import PROJECT_NOT_FOUND
from domain.lifecycle import Stage
from domain.state import ProjectInput
from domain.submissions import Person
from domain.templates import TemplateCatalog
from domain.transitions import end_project, new_project, open_stage
from store.projects import writes as project_writes
from store.tables import Project
from tests.api.support import (
    create_partner,
    create_project,
    eventually,
    ok,
    partner_client,
    read_project,
    review,
    stage_of,
    submit,
)
from workflows.naming import project_workflow_id

EXPECTED_STAGES = ["proposal", "partnership", "workshops", "display", "evaluation", "follow_up"]


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def events_of(api, project_id):
    return ok(await api.http.get(f"/api/v1/projects/{project_id}/events"), 200)


async def test_a_co_curation_project_goes_from_proposal_to_follow_up_and_closes_over_http(api):
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    pid = project["id"]
    assert project["stage"] == "proposal"
    assert project["template"] == "co-curation" and project["template_version"] == 1
    assert project["follow_up_schedule"] == ["PT10S", "P3M"]
    async with await partner_client(api, partner["id"]) as as_partner:
        # proposal: the partner proposes, staff accept
        submitted = ok(await submit(as_partner, pid, "proposal"), 201)
        assert submitted["status"] == "submitted"
        assert submitted["submissions"][0]["actor"] == {
            "party": "partner",
            "partner_id": partner["id"],
            "label": "partner portal",
        }
        assert ok(await review(api.http, pid, "proposal"), 200)["status"] == "accepted"
        await eventually(lambda: stage_of(api.http, pid), lambda s: s == "partnership")

        # partnership: agreement signed and accepted, access needs recorded; a session is booked
        ok(await submit(as_partner, pid, "partnership_agreement"), 201)
        ok(await review(api.http, pid, "partnership_agreement"), 200)
        now = datetime.now(UTC)
        workshop = ok(
            await api.http.post(
                f"/api/v1/projects/{pid}/workshops",
                json={
                    "title": "Choosing objects",
                    "starts_at": iso(now - timedelta(hours=3)),
                    "ends_at": iso(now - timedelta(hours=1)),
                    "place": "Community room",
                },
            ),
            201,
        )
        assert workshop["id"] == "w1" and workshop["attendance"] is None
        ok(await submit(api.http, pid, "access_needs"), 201)
        await eventually(lambda: stage_of(api.http, pid), lambda s: s == "workshops")

        # workshops: attendance of the (past) session, then the objects chosen
        attended = ok(
            await api.http.post(
                f"/api/v1/projects/{pid}/workshops/w1/attendance", json={"attendance": 14, "feedback": "Lively"}
            ),
            200,
        )
        assert attended["attendance"] == 14
        ok(await submit(as_partner, pid, "object_selection"), 201)
        ok(await review(api.http, pid, "object_selection"), 200)
        await eventually(lambda: stage_of(api.http, pid), lambda s: s == "display")

        # display: content and labels accepted, installed; a display that has already closed
        for key in ("display_content", "labels"):
            ok(await submit(as_partner, pid, key), 201)
            ok(await review(api.http, pid, key), 200)
        ok(await submit(api.http, pid, "installation"), 201)
        display = ok(
            await api.http.put(
                f"/api/v1/projects/{pid}/display",
                json={
                    "title": "Voices of the River",
                    "location": "Gallery 3",
                    "opens_at": iso(now - timedelta(days=30)),
                    "closes_at": iso(now - timedelta(days=1)),
                },
            ),
            200,
        )
        assert display["location"] == "Gallery 3"
        await eventually(lambda: stage_of(api.http, pid), lambda s: s == "evaluation")

        # evaluation: both reflections (no review needed) open follow-up
        ok(await submit(as_partner, pid, "partner_reflection"), 201)
        ok(await submit(api.http, pid, "staff_reflection"), 201)
        state = await eventually(lambda: read_project(api.http, pid), lambda p: p["stage"] == "follow_up")

        assert [s["stage"] for s in state["stages"]] == EXPECTED_STAGES
        assert all(s["closed_at"] is not None for s in state["stages"][:-1])
        assert all(m["status"] == "accepted" for m in state["milestones"]["display"] if m["review_required"])
        assert state["workshops"][0]["attendance"] == 14
        assert state["display"]["closes_at"] < iso(datetime.now(UTC))
        assert {"close", "withdraw", "pause"} <= {a["action"] for a in state["actions"]}
        close_action = next(a for a in state["actions"] if a["action"] == "close")
        assert close_action == {
            "action": "close",
            "method": "POST",
            "href": f"/api/v1/projects/{pid}/close",
            "milestone_key": None,
            "workshop_id": None,
        }
        partner_view = await read_project(as_partner, pid)
        assert partner_view["actions"] == []  # nothing is the partner's to do in follow-up

    # the timeline: every event in order, no gaps, the stages opening in template order
    timeline = await eventually(
        lambda: events_of(api, pid), lambda page: page["total"] > 0 and page["items"][-1]["stage"] == "follow_up"
    )
    seqs = [e["seq"] for e in timeline["items"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert timeline["items"][0]["type"] == "project_created"
    opened = [e["detail"]["stage"] for e in timeline["items"] if e["type"] == "stage_opened"]
    assert opened == EXPECTED_STAGES
    assert {"milestone_submitted", "milestone_accepted", "workshop_scheduled", "attendance_recorded"} <= {
        e["type"] for e in timeline["items"]
    }
    assert [e["type"] for e in timeline["items"] if e["type"] in ("display_set", "display_closed")] == [
        "display_set",
        "display_closed",
    ]

    closed = ok(await api.http.post(f"/api/v1/projects/{pid}/close", json={"reason": "Follow-up handed over"}), 200)
    assert closed["stage"] == "closed" and closed["ended_reason"] == "Follow-up handed over"
    assert closed["actions"] == []
    await eventually(lambda: events_of(api, pid), lambda page: page["items"][-1]["type"] == "project_closed")

    # the workflow has completed: further input is refused as "ended", not "not found"
    refused = await api.http.post(f"/api/v1/projects/{pid}/pause", json={})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "ProjectEnded"
    listed = ok(await api.http.get("/api/v1/projects", params={"stage": "closed"}), 200)
    assert [p["id"] for p in listed["items"]] == [pid]


async def test_a_project_temporal_no_longer_holds_is_read_from_the_read_model_snapshot(api):
    # What retention leaves behind: a read-model row with the last snapshot, and no workflow.
    template = TemplateCatalog.load_shipped().latest("co-curation")
    assert template is not None
    now = datetime.now(UTC) - timedelta(days=400)
    start = ProjectInput(
        project_id=uuid.uuid4().hex,
        template=template,
        title="An old project",
        lead=Person(name="Project Lead", email="lead@museum.example"),
        partner_ids=(),
        follow_up_schedule=(),
        created_at=now,
    )
    snapshot = new_project(start)
    open_stage(template, snapshot, Stage.PROPOSAL, now)
    end_project(snapshot, Stage.WITHDRAWN, "Funding ended", now + timedelta(days=3))
    async with api.sessionmaker.begin() as session:
        await project_writes.insert_project(session, snapshot, workflow_id=project_workflow_id(start.project_id))
        await session.execute(
            update(Project)
            .where(Project.id == start.project_id)
            .values(stage="withdrawn", event_seq=3, state=snapshot.model_dump(mode="json"))
        )

    state = await read_project(api.http, start.project_id)

    assert state["stage"] == "withdrawn"
    assert state["ended_reason"] == "Funding ended"
    assert state["title"] == "An old project"
    assert state["actions"] == []
    unknown = await api.http.get(f"/api/v1/projects/{uuid.uuid4().hex}")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == PROJECT_NOT_FOUND


async def test_a_project_is_created_even_when_its_first_read_model_row_cannot_be_written(api, monkeypatch):
    partner = await create_partner(api)

    async def database_down(*args, **kwargs):
        raise OperationalError("INSERT INTO project ...", {}, ConnectionRefusedError("down"))

    monkeypatch.setattr(project_writes, "insert_project", database_down)
    project = await create_project(api, [partner["id"]], title="Accepted anyway")

    assert project["stage"] == "proposal"
    # The workflow's first activity writes the row the API could not.
    listed = await eventually(
        lambda: api.http.get("/api/v1/projects"), lambda r: project["id"] in {p["id"] for p in r.json()["items"]}
    )
    assert listed.json()["items"][0]["title"] == "Accepted anyway"
    assert listed.json()["items"][0]["partners"] == [partner["id"]]


async def test_a_project_started_over_the_api_is_found_by_kind_stage_and_partner_in_temporal(api):
    """Operators query Temporal's visibility by EngageKind, EngageStage and EngagePartners. The API
    starts the workflow without them; the workflow sets them in its first task (patch
    6-project-search-attributes) and keeps the stage current."""
    partner = await create_partner(api)
    project = await create_project(api, [partner["id"]])
    template = TemplateCatalog.load_shipped().latest("co-curation")
    assert template is not None
    query = (
        f"WorkflowId = '{project_workflow_id(project['id'])}' AND EngageKind = '{template.kind}'"
        f" AND EngagePartners = '{partner['id']}' AND EngageStage = 'proposal'"
    )

    async def matches() -> int:
        return (await api.client.count_workflows(query)).count

    assert await eventually(matches, lambda n: n == 1) == 1
