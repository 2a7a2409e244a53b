"""Retries are safe: the same Idempotency-Key creates one project, and applies one submission."""

from __future__ import annotations

import uuid

from api.errors import IDEMPOTENCY_KEY_REUSED
from tests.api.support import create_partner, eventually, ok, partner_client, project_body, read_project, submit
from workflows.naming import project_workflow_id


async def test_creating_a_project_twice_with_one_idempotency_key_starts_one_workflow(api):
    partner = await create_partner(api)
    body = project_body([partner["id"]])
    # Unique per test run: the dev server outlives this test, and ids derive from the key.
    headers = {"Idempotency-Key": f"create-{uuid.uuid4()}"}

    first = ok(await api.http.post("/api/v1/projects", json=body, headers=headers), 201)
    again = ok(await api.http.post("/api/v1/projects", json=body, headers=headers), 200)

    assert again == first
    workflow_id = project_workflow_id(first["id"])
    runs = await eventually(
        lambda: _count(api.client.list_workflows(f"WorkflowId = '{workflow_id}'")), lambda n: n >= 1
    )
    assert runs == 1
    listed = ok(await api.http.get("/api/v1/projects"), 200)
    assert [p["id"] for p in listed["items"]] == [first["id"]]

    other = await api.http.post("/api/v1/projects", json={**body, "title": "Another title"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["detail"] == IDEMPOTENCY_KEY_REUSED

    fresh = ok(
        await api.http.post("/api/v1/projects", json=body, headers={"Idempotency-Key": f"another-{uuid.uuid4()}"}), 201
    )
    assert fresh["id"] != first["id"]
    plain = ok(await api.http.post("/api/v1/projects", json=body), 201)
    assert plain["id"] not in (first["id"], fresh["id"])


async def test_a_resubmission_with_the_same_idempotency_key_is_applied_once(api):
    partner = await create_partner(api)
    project = ok(await api.http.post("/api/v1/projects", json=project_body([partner["id"]])), 201)
    pid = project["id"]
    async with await partner_client(api, partner["id"]) as as_partner:
        first = ok(await submit(as_partner, pid, "proposal", **{"Idempotency-Key": "proposal-1"}), 201)
        again = ok(await submit(as_partner, pid, "proposal", **{"Idempotency-Key": "proposal-1"}), 201)
        assert again == first
        assert len(first["submissions"]) == 1

        # Without the key, a second submission is new input, refused because one awaits review.
        refused = await submit(as_partner, pid, "proposal")
        assert refused.status_code == 409
        assert refused.json()["error"] == "OutOfTurn"

        # The key names one submission: reusing it for another milestone is not a retry.
        reused = await submit(as_partner, pid, "partnership_agreement", **{"Idempotency-Key": "proposal-1"})
        assert reused.status_code == 409
        assert reused.json()["detail"] == IDEMPOTENCY_KEY_REUSED

    state = await read_project(api.http, pid)
    assert len(state["milestones"]["proposal"][0]["submissions"]) == 1
    events = await eventually(
        lambda: api.http.get(f"/api/v1/projects/{pid}/events"),
        lambda r: any(e["type"] == "milestone_submitted" for e in r.json()["items"]),
    )
    assert [e["type"] for e in events.json()["items"]].count("milestone_submitted") == 1


async def _count(iterator) -> int:
    return len([w async for w in iterator])
