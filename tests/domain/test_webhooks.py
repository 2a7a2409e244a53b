"""What a webhook subscriber receives (domain.webhooks) and the delivery workflow's id (workflows.naming)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.events import DomainEvent, EventType
from domain.lifecycle import Stage
from domain.webhooks import event_body
from workflows.naming import parse_webhook_workflow_id, webhook_workflow_id

REVIEWED = DomainEvent(
    project_id="p1",
    seq=7,
    type=EventType.MILESTONE_ACCEPTED,
    occurred_at=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
    stage=Stage.PROPOSAL,
    actor="Grace Hopper",
    milestone_key="proposal",
    detail={"submission": 2, "note": "Spoke to Ada Lovelace at ada@example.org", "on_behalf_of": "Ada Lovelace"},
)


def test_a_body_without_personal_data_keeps_ids_numbers_and_times_only() -> None:
    assert event_body(REVIEWED, include_personal_data=False) == {
        "type": "milestone_accepted",
        "timestamp": "2026-12-07T09:30:00+00:00",
        "data": {
            "project_id": "p1",
            "seq": 7,
            "stage": "proposal",
            "milestone_key": "proposal",
            "detail": {"submission": 2},
        },
    }


def test_a_body_an_admin_allowed_personal_data_carries_the_whole_detail_and_the_actor() -> None:
    data = event_body(REVIEWED, include_personal_data=True)["data"]
    assert isinstance(data, dict)
    assert data["actor"] == "Grace Hopper" and data["detail"] == dict(REVIEWED.detail)


def test_the_delivery_workflow_id_round_trips_and_refuses_other_ids() -> None:
    assert webhook_workflow_id("abc") == "webhook-abc"
    assert parse_webhook_workflow_id(webhook_workflow_id("abc")) == "abc"
    with pytest.raises(ValueError):
        parse_webhook_workflow_id("project/abc")
