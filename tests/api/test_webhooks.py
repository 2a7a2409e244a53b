"""Webhooks over HTTP (issue 16): admins subscribe, list, read, delete; the events a project emits reach a
real receiver on loopback, signed; the secret is shown once; bad input is a 422 naming the field.

End to end: the real app, a real worker on the dev server, a real database (SQLite and PostgreSQL) and
a real HTTP receiver (tests.webhook_receiver). The outage and retries are tests/workflows/test_webhook_delivery.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook as Verifier
from temporalio.client import WorkflowExecutionStatus

from store.tables import AuditEntry
from tests.api.conftest import Api, http_client
from tests.api.support import create_partner, create_project, eventually, ok
from tests.webhook_receiver import receiver
from workflows.naming import webhook_workflow_id

WEBHOOKS = "/api/v1/webhooks"


async def test_an_admins_webhook_gets_the_projects_events_signed_and_its_secret_is_shown_once(api: Api) -> None:
    async with receiver() as rx:
        created = ok(
            await api.http.post(
                WEBHOOKS, json={"url": f"{rx.url}/hook", "event_types": ["project_created", "stage_opened"]}
            ),
            201,
        )
        secret = created["secret"]
        assert secret.startswith("whsec_") and created["include_personal_data"] is False
        partner = await create_partner(api)
        project = await create_project(api, [partner["id"]])

        await eventually(lambda: _delivered(api, created["id"]), lambda d: len(d) >= 2, within_seconds=20)
        bodies = [json.loads(r.body) for r in rx.accepted("/hook")]
        for r in rx.requests:
            Verifier(secret).verify(r.body, r.headers)  # raises unless signed with the secret shown once
        assert [(b["type"], b["data"]["project_id"], b["data"]["seq"]) for b in bodies[:2]] == [
            ("project_created", project["id"], 1),
            ("stage_opened", project["id"], 2),
        ]
        for r in rx.requests:
            assert "Project Lead" not in r.body.decode() and "lead@museum.example" not in r.body.decode()

        listed = ok(await api.http.get(WEBHOOKS), 200)["items"]
        one = ok(await api.http.get(f"{WEBHOOKS}/{created['id']}"), 200)
        assert [w["id"] for w in listed] == [created["id"]] and one["url"] == f"{rx.url}/hook"
        assert secret not in json.dumps(listed) + json.dumps(one) and "secret" not in one
        log = ok(await api.http.get(f"{WEBHOOKS}/{created['id']}/deliveries"), 200)["items"]
        first = next(d for d in log if d["event_seq"] == 1)
        assert first["status"] == "delivered" and first["attempts"] == 1
        assert (
            first["last_attempts"][0]["status_code"] == 200
            and first["id"] == rx.accepted("/hook")[0].headers["webhook-id"]
        )

        assert (await api.http.delete(f"{WEBHOOKS}/{created['id']}")).status_code == 204
        assert (await api.http.get(f"{WEBHOOKS}/{created['id']}")).status_code == 404
        assert (await api.http.delete(f"{WEBHOOKS}/{created['id']}")).status_code == 404
        handle = api.client.get_workflow_handle(webhook_workflow_id(created["id"]))
        described = await eventually(
            handle.describe, lambda d: d.status is not WorkflowExecutionStatus.RUNNING, within_seconds=10
        )
        assert described.status in (WorkflowExecutionStatus.CANCELED, WorkflowExecutionStatus.COMPLETED)

    async with api.sessionmaker() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target_id == created["id"]).order_by(AuditEntry.id)
            )
        ).all()
        details = (await session.scalars(select(AuditEntry.detail).where(AuditEntry.target_id == created["id"]))).all()
    assert list(actions) == ["webhook_created", "webhook_deleted"]
    assert secret not in json.dumps(details)


async def _delivered(api: Api, webhook_id: str) -> list[dict[str, Any]]:
    log = ok(await api.http.get(f"{WEBHOOKS}/{webhook_id}/deliveries"), 200)["items"]
    return [d for d in log if d["status"] == "delivered"]


async def test_personal_data_needs_a_reason_and_records_the_admin_who_allowed_it(api: Api) -> None:
    body = {"url": "https://crm.example/hooks", "event_types": ["milestone_accepted"], "include_personal_data": True}
    refused = await api.http.post(WEBHOOKS, json=body)
    assert refused.status_code == 422 and "personal_data_reason" in refused.text
    created = ok(await api.http.post(WEBHOOKS, json=body | {"personal_data_reason": "the CRM records reviewers"}), 201)
    assert created["include_personal_data"] is True
    assert created["personal_data_allowed_by"] == created["created_by"] and created["created_by"]
    assert created["personal_data_reason"] == "the CRM records reviewers"
    assert (await api.http.delete(f"{WEBHOOKS}/{created['id']}")).status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://a.example/h", "event_types": ["no_such_event"]}, "event_types"),
        ({"url": "https://a.example/h", "event_types": []}, "event_types"),
        ({"url": "https://a.example/h"}, "event_types"),
        ({"url": "http://a.example/h", "event_types": ["project_created"]}, "url"),
        ({"url": "ftp://a.example/h", "event_types": ["project_created"]}, "url"),
        ({"url": "not a url", "event_types": ["project_created"]}, "url"),
        ({"url": "https://a.example:99999/h", "event_types": ["project_created"]}, "url"),
        ({"url": "https://a.example/h", "event_types": ["project_created"], "secret": "whsec_short"}, "secret"),
        ({"url": "https://a.example/h", "event_types": ["project_created"], "secret": "x" * 40}, "secret"),
        ({"url": "https://a.example/h", "event_types": ["project_created"], "colour": "blue"}, "colour"),
    ],
)
async def test_bad_webhook_input_is_a_422_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = await api.http.post(WEBHOOKS, json=body)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert ok(await api.http.get(WEBHOOKS), 200) == {"items": [], "total": 0, "limit": 50, "offset": 0}


async def test_only_admins_manage_webhooks(api: Api) -> None:
    staff_key = ok(await api.http.post("/api/v1/keys", json={"role": "staff", "label": "staff"}), 201)["key"]
    async with http_client(api.app, staff_key) as staff:
        body = {"url": "https://a.example/h", "event_types": ["project_created"]}
        assert (await staff.post(WEBHOOKS, json=body)).status_code == 403
        assert (await staff.get(WEBHOOKS)).status_code == 403
    async with http_client(api.app, None) as anonymous:
        assert (await anonymous.get(WEBHOOKS)).status_code == 401
