"""Knowledge Exchange, written: the applicants' e-mails. The acknowledgement when an application is
noted, the offer of a placement, and "not this time" (issue 12).

Each runs in the caller's one transaction (never commits) and is idempotent by its outbox key, because
Temporal may run an activity more than once: `exchange/{year}:received:{application}`,
`exchange/{year}:selected:{application}` and `exchange/{year}:unsuccessful:{application}`, so each
applicant gets each e-mail once, ever. Addresses and names go only into the outbox rows, never into
logs or return values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.exchange import ApplicantsToTell, Direction
from domain.placements import host_name
from store.outbox import RenderedEmail
from store.people.suppressed import without_erased
from store.tables import ExchangeApplication, ExchangePlacement, OutboxEmail, Partner
from store.upserts import insert_ignore


def received_event_id(year: int) -> str:
    """The outbox `event_id` of a programme's acknowledgements (deliver_emails sends by it)."""
    return f"exchange/{year}:received"


def selected_event_id(year: int) -> str:
    """The outbox `event_id` of a programme's offers of a placement."""
    return f"exchange/{year}:selected"


@dataclass(frozen=True)
class Offer:
    """What the 'you have a placement' e-mail says: who hosts, and the five days."""

    host: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Queued:
    emails_queued: int
    awaiting_delivery: int


def _row(
    event_id: str, application: ExchangeApplication, email: RenderedEmail, *, smtp_configured: bool, now: datetime
) -> dict[str, Any]:
    return {
        "dedupe_key": f"{event_id}:{application.id}",
        "event_id": event_id,
        "project_id": None,
        "kind": "exchange",
        "audience": "applicant",
        "to_name": application.name,
        "to_address": application.email,
        "subject": email.subject,
        "body": email.body,
        "created_at": now,
        "status": "queued" if smtp_configured else "held",
        "attempts": 0,
    }


async def _queue(session: AsyncSession, event_id: str, rows: list[dict[str, Any]]) -> Queued:
    # 👉 An erased applicant (suppressed `erased`; an erased row's address is empty) gets no e-mail.
    rows = await without_erased(session, rows)
    queued = await insert_ignore(session, OutboxEmail, rows) if rows else 0
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.event_id == event_id, OutboxEmail.status == "queued")
    )
    return Queued(emails_queued=queued, awaiting_delivery=int(waiting or 0))


async def acknowledge_applications(
    session: AsyncSession,
    year: int,
    application_ids: Sequence[str],
    render: Callable[[ExchangeApplication], RenderedEmail],
    *,
    smtp_configured: bool,
    now: datetime,
) -> Queued:
    """Queue one acknowledgement per application of the year among `application_ids` (once each)."""
    applications = await session.scalars(
        select(ExchangeApplication)
        .where(ExchangeApplication.year == year, ExchangeApplication.id.in_(list(application_ids)))
        .order_by(ExchangeApplication.id)
    )
    event_id = received_event_id(year)
    rows = [_row(event_id, a, render(a), smtp_configured=smtp_configured, now=now) for a in applications]
    return await _queue(session, event_id, rows)


async def offer_placements(
    session: AsyncSession,
    year: int,
    museum_name: str,
    render: Callable[[ExchangeApplication, Offer], RenderedEmail],
    *,
    smtp_configured: bool,
    now: datetime,
) -> Queued:
    """Queue one 'you have a placement' e-mail per placed applicant of the year (once each), naming the
    host (the museum for a partner's colleague, else the partner) and the placement's dates as the
    read model has them now."""
    placements = list(await session.scalars(select(ExchangePlacement).where(ExchangePlacement.year == year)))
    partners = {
        p.id: p.name
        for p in await session.scalars(select(Partner).where(Partner.id.in_([p.partner_id for p in placements])))
    }
    event_id = selected_event_id(year)
    rows: list[dict[str, Any]] = []
    for placement in sorted(placements, key=lambda p: p.id):
        application = await session.get(ExchangeApplication, placement.application_id)
        if application is None:
            continue
        host = host_name(
            Direction(placement.direction), museum_name=museum_name, partner_name=partners.get(placement.partner_id)
        )
        offer = Offer(host=host, starts_on=placement.starts_on, ends_on=placement.ends_on)
        rows.append(_row(event_id, application, render(application, offer), smtp_configured=smtp_configured, now=now))
    return await _queue(session, event_id, rows)


def unsuccessful_event_id(year: int) -> str:
    """The outbox `event_id` of one programme's 'not selected' e-mails (deliver_emails sends by it)."""
    return f"exchange/{year}:unsuccessful"


async def tell_unsuccessful_applicants(
    session: AsyncSession,
    told: ApplicantsToTell,
    render: Callable[[ExchangeApplication], RenderedEmail],
    *,
    smtp_configured: bool,
    now: datetime,
) -> Queued:
    """Mark the placed applications selected and every other one of the year unsuccessful, and queue one
    kind e-mail per unsuccessful application. Running it again queues nothing new."""
    year = ExchangeApplication.year == told.year
    placed = set(told.selected_application_ids)
    if placed:
        await session.execute(
            update(ExchangeApplication).where(year, ExchangeApplication.id.in_(placed)).values(status="selected")
        )
    others = list(await session.scalars(select(ExchangeApplication).where(year).order_by(ExchangeApplication.id)))
    others = [a for a in others if a.id not in placed]
    if others:
        await session.execute(
            update(ExchangeApplication)
            .where(year, ExchangeApplication.id.in_([a.id for a in others]))
            .values(status="unsuccessful")
        )
    event_id = unsuccessful_event_id(told.year)
    # 👉 `_row` keys each e-mail by event and application: one 'not selected' e-mail per applicant, ever.
    rows = [_row(event_id, a, render(a), smtp_configured=smtp_configured, now=now) for a in others]
    return await _queue(session, event_id, rows)
