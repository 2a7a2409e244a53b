"""Engage's work on the real cluster, over HTTP through both API replicas in turn, both workers polling.

A co-curation project goes through every stage into follow-up, whose first wave (five seconds
after the project's end: a durable timer on the cluster) invites its respondent; the project is
then found by its search attributes through SQL visibility on PostgreSQL. A Knowledge Exchange year
is opened by its yearly Schedule, which runs in the cluster's worker service.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError, TLSConfig

from api.exchange.schedule import SCHEDULE_ID
from scripts.temporal_cluster.layout import NAMESPACE
from tests.api.support import eventually, ok, project_body, review, submit
from tests.cluster.stack import Cluster
from workflows.naming import TASK_QUEUE, exchange_workflow_id


async def stage_of(http: httpx.AsyncClient, project_id: str) -> str:
    return str(ok(await http.get(f"/api/v1/projects/{project_id}"), 200)["stage"])


async def new_partner(cluster: Cluster, name: str) -> tuple[str, str]:
    # Partner names are unique (issue 12) and the cluster keeps its data between runs: suffix each one.
    body = {
        "name": f"{name} {uuid.uuid4().hex[:6]}",
        "contact_name": "Contact",
        "contact_email": "contact@partner.example",
    }
    partner = ok(await cluster.http.post("/api/v1/partners", json=body), 201)
    key = ok(await cluster.http.post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)
    return partner["id"], key["key"]


async def drive_to_follow_up(cluster: Cluster, pid: str, partner: httpx.AsyncClient) -> None:
    """Every stage's work, as staff and the partner would do it (past dates close at once)."""
    http, now = cluster.http, datetime.now(UTC)
    for key in ("proposal", "partnership_agreement"):
        ok(await submit(partner, pid, key), 201)
        ok(await review(http, pid, key), 200)
    session = {
        "title": "Choosing objects",
        "starts_at": (now - timedelta(hours=3)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat(),
        "place": "Community room",
    }
    ok(await http.post(f"/api/v1/projects/{pid}/workshops", json=session), 201)
    ok(await submit(http, pid, "access_needs"), 201)
    await eventually(lambda: stage_of(http, pid), lambda s: s == "workshops", within_seconds=30)
    ok(await http.post(f"/api/v1/projects/{pid}/workshops/w1/attendance", json={"attendance": 9}), 200)
    ok(await submit(partner, pid, "object_selection"), 201)
    ok(await review(http, pid, "object_selection"), 200)
    await eventually(lambda: stage_of(http, pid), lambda s: s == "display", within_seconds=30)
    for key in ("display_content", "labels"):
        ok(await submit(partner, pid, key), 201)
        ok(await review(http, pid, key), 200)
    ok(await submit(http, pid, "installation"), 201)
    display = {
        "title": "Voices of the River",
        "location": "Gallery 3",
        "opens_at": (now - timedelta(days=30)).isoformat(),
        "closes_at": (now - timedelta(days=1)).isoformat(),
    }
    ok(await http.put(f"/api/v1/projects/{pid}/display", json=display), 200)
    await eventually(lambda: stage_of(http, pid), lambda s: s == "evaluation", within_seconds=30)
    ok(await submit(partner, pid, "partner_reflection"), 201)
    ok(await submit(http, pid, "staff_reflection"), 201)


async def pollers(cluster: Cluster, kind: TaskQueueType.ValueType) -> set[str]:
    described = await cluster.client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=cluster.client.namespace, task_queue=TaskQueue(name=TASK_QUEUE), task_queue_type=kind
        )
    )
    return {p.identity for p in described.pollers}


async def listed(cluster: Cluster, query: str) -> list[str]:
    return [w.id async for w in cluster.client.list_workflows(query)]


async def test_a_project_runs_from_proposal_to_its_first_follow_up_wave_on_the_cluster(cluster: Cluster) -> None:
    sent_before = list(cluster.balancer.sent)
    partner_id, partner_key = await new_partner(cluster, "Riverside Community Archive")
    body = project_body([partner_id], follow_up_schedule=["PT5S", "P3M"])
    pid = ok(await cluster.http.post("/api/v1/projects", json=body), 201)["id"]
    respondent = {
        "name": "Ada Participant",
        "email": "ada@respondents.example",
        "language": "en",
        "role": "participant",
    }
    ok(await cluster.http.post(f"/api/v1/projects/{pid}/respondents", json=respondent), 201)
    async with cluster.http_as(partner_key) as as_partner:
        await drive_to_follow_up(cluster, pid, as_partner)
    await eventually(lambda: stage_of(cluster.http, pid), lambda s: s == "follow_up", within_seconds=30)

    async def report() -> dict[str, Any]:
        return ok(await cluster.http.get(f"/api/v1/projects/{pid}/follow-up"), 200)

    opened = await eventually(
        report, lambda r: bool(r["waves"]) and r["waves"][0]["status"] == "open", within_seconds=45, interval=0.5
    )
    assert opened["waves"][0]["invited"] == 1, opened["waves"][0]
    assert [w["status"] for w in opened["waves"]] == ["open", "scheduled"]

    # Found by its search attributes (SQL visibility on PostgreSQL is eventually consistent).
    query = f"WorkflowId = 'project/{pid}' AND EngageStage = 'follow_up' AND EngagePartners = '{partner_id}'"
    found = await eventually(lambda: listed(cluster, query), lambda ids: ids == [f"project/{pid}"], within_seconds=30)
    assert found == [f"project/{pid}"]
    by_kind = await listed(cluster, f"EngageKind = 'display' AND WorkflowId = 'project/{pid}'")
    assert by_kind == [f"project/{pid}"]

    # Both replicas answered, and both workers poll the task queue (for workflows and activities).
    served = [now - before for now, before in zip(cluster.balancer.sent, sent_before, strict=True)]
    assert all(n >= 10 for n in served), served
    assert len(await pollers(cluster, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)) >= 2
    assert len(await pollers(cluster, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)) >= 2
    print(f"\nCLUSTER-SUMMARY test=lifecycle requests_per_replica={served} follow_up_wave=open")  # noqa: T201


async def test_the_yearly_schedule_opens_this_years_knowledge_exchange_on_the_cluster(cluster: Cluster) -> None:
    partner_id, _ = await new_partner(cluster, "Valley Heritage Trust")
    year = datetime.now(UTC).year
    body = {
        "month": 1,
        "day": 15,
        "partner_ids": [partner_id],
        "lead": {"name": "KX Lead", "email": "kx@museum.example"},
    }
    ok(await cluster.http.post("/api/v1/exchange/schedule", json=body), 201)
    programme = cluster.client.get_workflow_handle(exchange_workflow_id(year))
    try:
        # The Schedule fires (as it would on 15 January) and its launcher opens this year's programme.
        await cluster.client.get_schedule_handle(SCHEDULE_ID).trigger()
        opened = await eventually(
            lambda: cluster.http.get(f"/api/v1/exchange/programmes/{year}"),
            lambda r: r.status_code == 200,
            within_seconds=45,
            interval=0.5,
        )
        assert opened.json()["phase"] == "confirming"
        runs = ok(await cluster.http.get("/api/v1/exchange/schedule"), 200)["recent_runs"]
        assert len(runs) == 1
        kinds = await eventually(
            lambda: listed(cluster, f"WorkflowId = '{exchange_workflow_id(year)}' AND EngageKind = 'exchange'"),
            lambda ids: len(ids) == 1,
            within_seconds=30,
        )
        assert kinds == [exchange_workflow_id(year)]
    finally:
        if (await cluster.http.get("/api/v1/exchange/schedule")).status_code == 200:
            await cluster.http.delete("/api/v1/exchange/schedule")
        with contextlib.suppress(RPCError):
            await programme.terminate("test finished")
    print(f"CLUSTER-SUMMARY test=exchange_schedule year={year} opened_by=schedule")  # noqa: T201


async def test_the_frontend_refuses_clients_without_a_certificate_from_the_runs_ca(cluster: Cluster) -> None:
    """Mutual TLS: trusting the server is not enough, the client must present a certificate."""
    ca = cluster.layout.tls.ca.read_bytes()
    for tls in (False, TLSConfig(server_root_ca_cert=ca)):
        with pytest.raises(RuntimeError, match="connect"):
            await Client.connect(cluster.layout.frontend_address, namespace=NAMESPACE, tls=tls)
