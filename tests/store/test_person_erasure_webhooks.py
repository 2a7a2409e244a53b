"""Erasure and the export reach webhook deliveries that carry personal data (issue 14/16), on SQLite and
PostgreSQL: a delivery to a webhook allowed personal data whose body names the person (their address in
any case, or a name Engage held for them) is listed in their export by id, and erasure rewrites it to the
body without personal data (safe keys kept, same id and status), pending or delivered, once.

The person is the one of tests.store.test_person_erasure (Ada Lovelace, partner contact, project lead,
respondent, applicant); made-up `.example` addresses only.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.events import DomainEvent, EventType
from domain.lifecycle import Stage
from domain.webhooks import event_body
from store.people.erasure import erase_person
from store.people.reads import held_about
from store.tables import WebhookDelivery
from store.webhooks import writes
from tests.activities.test_webhook_activities import SECRET, SETTINGS
from tests.store.survey_builders import NOW
from tests.store.test_person_erasure import ADDRESS, TYPED, tell

Sessions = async_sessionmaker[AsyncSession]


def event(project_id: str, seq: int, actor: str, note: str) -> DomainEvent:
    return DomainEvent(
        project_id=project_id,
        seq=seq,
        type=EventType.MILESTONE_ACCEPTED,
        occurred_at=NOW,
        stage=Stage.PROPOSAL,
        actor=actor,
        milestone_key="proposal",
        detail={"submission": 2, "note": note},
    )


async def subscribe(sessionmaker: Sessions, webhook_id: str, *, personal: bool) -> None:
    async with sessionmaker.begin() as session:
        await writes.add_webhook(
            session,
            webhook_id=webhook_id,
            url=f"https://hooks.example/{webhook_id}",
            event_types=["milestone_accepted"],
            secret=SECRET,
            seal=SETTINGS.link_seal,
            created_by="admin-key",
            now=NOW,
            personal_data_allowed_by="admin-key" if personal else None,
            personal_data_reason="The partner's CRM needs the names." if personal else None,
        )


async def deliveries(sessionmaker: Sessions) -> dict[tuple[str, int], WebhookDelivery]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(WebhookDelivery))
        return {(d.webhook_id, d.event_seq): d for d in rows}


def text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False).lower()


async def test_erasure_rewrites_the_personal_data_deliveries_naming_the_person_and_the_export_lists_them(
    sessionmaker: Sessions,
) -> None:
    story = await tell(sessionmaker)
    await subscribe(sessionmaker, "personal", personal=True)
    await subscribe(sessionmaker, "plain", personal=False)
    events = [
        event(story.led_project, 1, "Ada Lovelace", "Accepted."),  # her name (the lead's) as the actor
        event(story.led_project, 2, "Grace Hopper", "Call ADA.LOVELACE@People.example first"),  # her address
        event(story.led_project, 3, "Someone Else", "Agreed with Someone Else"),  # another person's
    ]
    async with sessionmaker.begin() as session:
        await writes.queue_deliveries(session, events, NOW)
    before = await deliveries(sessionmaker)
    async with sessionmaker.begin() as session:
        await writes.record_attempt(
            session, before["personal", 2].id, at=NOW, duration_ms=5, status_code=204, error=None, delivered=True
        )
    before = await deliveries(sessionmaker)
    mine = {before["personal", 1].id, before["personal", 2].id}

    async with sessionmaker() as session:
        held = await held_about(session, TYPED)
    assert {d.delivery_id for d in held.webhook_deliveries} == mine  # fails without the change: not listed
    assert {(d.source.table, d.webhook_id) for d in held.webhook_deliveries} == {("webhook_delivery", "personal")}

    async with sessionmaker.begin() as session:
        erased = await erase_person(session, TYPED, NOW + timedelta(days=1))
    async with sessionmaker.begin() as session:
        again = await erase_person(session, ADDRESS, NOW + timedelta(days=2))
    after = await deliveries(sessionmaker)
    async with sessionmaker() as session:
        held_after = await held_about(session, ADDRESS)

    assert erased.counts.webhook_deliveries == 2 and again.counts.webhook_deliveries == 0
    assert held_after.webhook_deliveries == []
    for seq in (1, 2):
        old, new = before["personal", seq], after["personal", seq]
        assert (new.id, new.status, new.attempts) == (old.id, old.status, old.attempts)
        assert new.payload == event_body(events[seq - 1], include_personal_data=False)  # safe keys kept
        assert "lovelace" not in text(new.payload) and "actor" not in new.payload["data"]
    assert (after["personal", 1].status, after["personal", 2].status) == ("pending", "delivered")
    assert after["personal", 3].payload == before["personal", 3].payload  # another person's: untouched
    assert "someone else" in text(after["personal", 3].payload)
    for seq in (1, 2, 3):  # a webhook without personal data: untouched
        assert after["plain", seq].payload == before["plain", seq].payload


async def test_the_address_is_matched_with_like_wildcards_escaped(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, "personal", personal=True)
    near_miss = event("p-other", 1, "Grace Hopper", "Wrote to ada_x%y@people.example")
    async with sessionmaker.begin() as session:
        await writes.queue_deliveries(session, [near_miss], NOW)

    async with sessionmaker.begin() as session:
        wildcard = await erase_person(session, "ada_x_y@people.example", NOW)  # `_` must not match `%`
    async with sessionmaker.begin() as session:
        exact = await erase_person(session, "ADA_X%Y@people.example", NOW)

    assert (wildcard.counts.webhook_deliveries, exact.counts.webhook_deliveries) == (0, 1)
