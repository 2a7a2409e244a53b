"""Over HTTP (dev server, SQLite and PostgreSQL): the export lists the personal-data webhook deliveries
that name a person, by id, and an admin's erasure rewrites them without personal data and counts them;
the audit entry carries the counts, never the name. Addresses are made-up `.example` ones.

The webhook and its delivery are written through the store (no delivery workflow runs for it), so the
pending delivery stays pending for the test to look at.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from domain.events import DomainEvent, EventType
from domain.lifecycle import Stage
from store.tables import AuditEntry, WebhookDelivery
from store.webhooks import writes
from tests.activities.test_webhook_activities import SECRET, SETTINGS
from tests.api.conftest import Api
from tests.api.support import create_project, ok
from tests.store.survey_builders import NOW

ADDRESS = "wilma.webhook@people.example"
NAME = "Wilma Webhook"
REASON = "Her request by letter of 7 December 2026 (ticket 4420)."


async def test_the_export_lists_and_erasure_rewrites_personal_data_deliveries_naming_the_person(api: Api) -> None:
    partner = {"name": "Wilma's Walkers", "contact_name": NAME, "contact_email": ADDRESS}
    partner_id = ok(await api.http.post("/api/v1/partners", json=partner), 201)["id"]
    project_id = (await create_project(api, [partner_id]))["id"]
    said = DomainEvent(
        project_id=project_id,
        seq=999,
        type=EventType.MILESTONE_ACCEPTED,
        occurred_at=NOW,
        stage=Stage.PROPOSAL,
        actor=NAME,
        milestone_key="proposal",
        detail={"submission": 1, "note": "Spoke to her"},
    )
    async with api.sessionmaker.begin() as session:
        await writes.add_webhook(
            session,
            webhook_id="erasure-personal",
            url="https://hooks.example/crm",
            event_types=["milestone_accepted"],
            secret=SECRET,
            seal=SETTINGS.link_seal,
            created_by="env-admin",
            now=NOW,
            personal_data_allowed_by="env-admin",
            personal_data_reason="The partner's CRM needs the names.",
        )
        await writes.queue_deliveries(session, [said], NOW)
        (delivery_id,) = await session.scalars(
            select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == "erasure-personal")
        )

    held = ok(await api.http.get("/api/v1/people/export", params={"email": ADDRESS}), 200)
    erased = ok(await api.http.post("/api/v1/people/erase", json={"email": ADDRESS, "reason": REASON}), 200)
    again = ok(await api.http.post("/api/v1/people/erase", json={"email": ADDRESS, "reason": REASON}), 200)
    after = ok(await api.http.get("/api/v1/people/export", params={"email": ADDRESS}), 200)
    async with api.sessionmaker() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "person_erased")))

    assert [(d["delivery_id"], d["source"]["table"], d["status"]) for d in held["webhook_deliveries"]] == [
        (delivery_id, "webhook_delivery", "pending")
    ]
    assert erased["counts"]["webhook_deliveries"] == 1 and again["counts"]["webhook_deliveries"] == 0
    assert after["webhook_deliveries"] == []
    assert delivery is not None and delivery.status == "pending"
    assert delivery.payload["data"] == {
        "project_id": project_id,
        "seq": 999,
        "stage": "proposal",
        "milestone_key": "proposal",
        "detail": {"submission": 1},
    }
    assert entries[0].detail is not None and entries[0].detail["counts"] == erased["counts"]
    assert "wilma" not in json.dumps([(e.target_id, e.detail) for e in entries]).lower()
