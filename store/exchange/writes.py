"""The Knowledge Exchange read model, the worker's side: what the programme's three activities write.

Each function runs in the caller's one transaction (the activity in activities.exchange commits), and
each is idempotent by construction, because Temporal may run an activity more than once:
- events are inserted ON CONFLICT DO NOTHING on `(year, seq)`;
- the programme row is upserted only when the snapshot's `event_seq` is newer than the stored one
  (the API inserts it with 0 at start), so a late retry never moves it backwards; the mirrored
  application statuses and placement rows are rewritten only together with it;
- a placement row is upserted by its id and its respondents are unique per project and address;
- an applicant's e-mail is keyed by programme and application (`dedupe_key`), so one each, ever.

`exchange_placement.case_study` is staff's mark (the API writes it): nothing here overwrites it.
No addresses or names in logs; callers log years, ids and counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.exchange import MUSEUM, ApplicantsToTell, Direction, ExchangeChanges, ExchangeState, Placement
from store.records import RenderedEmail
from store.surveys import NewRespondent, RowResult, add_respondents
from store.tables import (
    ExchangeApplication,
    ExchangeEventRow,
    ExchangePlacement,
    ExchangeProgramme,
    OutboxEmail,
    Partner,
    Project,
)
from store.upserts import insert_ignore, upsert

#: The template a placement project follows (domain/templates); the placeholder row names it.
PLACEMENT_TEMPLATE = "knowledge-exchange-placement"


def programme_row(snapshot: ExchangeState, *, created_at: datetime, updated_at: datetime) -> dict[str, Any]:
    """The `exchange_programme` row for a state snapshot (the API inserts the first with event_seq 0)."""
    return {
        "year": snapshot.year,
        "phase": snapshot.phase.value,
        "budget": snapshot.budget,
        "state": snapshot.model_dump(mode="json"),
        "event_seq": snapshot.event_seq,
        "applications_opens_at": snapshot.applications_opens_at,
        "applications_closes_at": snapshot.applications_closes_at,
        "created_at": created_at,
        "updated_at": updated_at,
    }


async def apply_exchange_changes(session: AsyncSession, changes: ExchangeChanges, now: datetime) -> int:
    """Record a batch: the programme row (if newer), its mirrors, then the events. Returns events written.

    Invariant: running it again with the same batch writes nothing and returns 0.
    """
    snapshot = changes.snapshot
    first, last = changes.events[0], changes.events[-1]
    row = programme_row(snapshot, created_at=first.occurred_at, updated_at=last.occurred_at)
    updated = [c for c in row if c not in ("year", "created_at")]
    newer = await upsert(
        session,
        ExchangeProgramme,
        [row],
        ["year"],
        updated,
        where=lambda new: ExchangeProgramme.event_seq < new.event_seq,
    )
    if newer:
        await _mirror_application_statuses(session, snapshot)
        await _upsert_placements(session, snapshot.year, snapshot.placements)
    events = [
        {
            "year": e.year,
            "seq": e.seq,
            "type": e.type,
            "occurred_at": e.occurred_at,
            "actor": e.actor,
            "detail": dict(e.detail),
            "recorded_at": now,
        }
        for e in changes.events
    ]
    return await insert_ignore(session, ExchangeEventRow, events)


async def _mirror_application_statuses(session: AsyncSession, snapshot: ExchangeState) -> None:
    """shortlisted/selected as the programme has them; `unsuccessful` (once told) is final."""
    if snapshot.applicants_told:
        return
    this_year = ExchangeApplication.year == snapshot.year
    selected = {
        application_id
        for s in snapshot.selections
        for application_id in (s.outgoing_application_id, s.hosted_application_id)
        if application_id is not None
    }
    if snapshot.shortlisted:
        await session.execute(
            update(ExchangeApplication)
            .where(
                this_year, ExchangeApplication.id.in_(snapshot.shortlisted), ExchangeApplication.status == "received"
            )
            .values(status="shortlisted")
        )
    # A partner may change its choice: whoever it no longer selects is shortlisted again.
    await session.execute(
        update(ExchangeApplication)
        .where(this_year, ExchangeApplication.status == "selected", ExchangeApplication.id.not_in(selected or {""}))
        .values(status="shortlisted")
    )
    if selected:
        await session.execute(
            update(ExchangeApplication)
            .where(this_year, ExchangeApplication.id.in_(selected), ExchangeApplication.status != "unsuccessful")
            .values(status="selected")
        )


def _placement_row(year: int, placement: Placement) -> dict[str, Any]:
    return {
        "id": placement.id,
        "year": year,
        "partner_id": placement.partner_id,
        "direction": placement.direction.value,
        "application_id": placement.application_id,
        "starts_on": placement.starts_on,
        "ends_on": placement.ends_on,
        "focus_areas": list(placement.focus_areas),
        "case_study": False,
    }


#: Columns the programme may change after matching; never `case_study`, which is staff's mark.
_PLACEMENT_UPDATES = ("partner_id", "direction", "application_id", "starts_on", "ends_on", "focus_areas")


async def _upsert_placements(session: AsyncSession, year: int, placements: Sequence[Placement]) -> None:
    rows = [_placement_row(year, p) for p in placements]
    if rows:
        await upsert(session, ExchangePlacement, rows, ["id"], _PLACEMENT_UPDATES)


# -- register_placement -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementProject:
    """What the placeholder project row needs that the placement does not say."""

    workflow_id: str
    template_version: int
    title: str


async def register_placement(
    session: AsyncSession, year: int, placement: Placement, project: PlacementProject, now: datetime
) -> list[RowResult]:
    """The placement's row, its project's first row, and its follow-up respondents. COMMITS.

    The programme registers a placement just before it starts the placement's ProjectWorkflow, so
    the project has no row yet; respondents need one (foreign key). We insert the same kind of
    placeholder the API inserts when it starts a project (event_seq 0, no snapshot), which the
    project's first `record_project_changes` overwrites. Respondents: the visitor (the applicant)
    and the partner's contact person, so the placement's follow-up surveys reach both sides.
    """
    await insert_ignore(session, Project, [_placeholder_project(placement, project, now)])
    await upsert(session, ExchangePlacement, [_placement_row(year, placement)], ["id"], _PLACEMENT_UPDATES)
    people: list[NewRespondent] = []
    applicant = await session.get(ExchangeApplication, placement.application_id)
    if applicant is not None:
        role = "museum_staff" if applicant.organisation == MUSEUM else "partner_staff"
        people.append(NewRespondent(name=applicant.name, email=applicant.email, role=role))
    partner = await session.get(Partner, placement.partner_id)
    if partner is not None:
        people.append(NewRespondent(name=partner.contact_name, email=partner.contact_email, role="partner_staff"))
    return await add_respondents(session, placement.project_id, people, now)


def _placeholder_project(placement: Placement, project: PlacementProject, now: datetime) -> dict[str, Any]:
    return {
        "id": placement.project_id,
        "workflow_id": project.workflow_id,
        "template_name": PLACEMENT_TEMPLATE,
        "template_version": project.template_version,
        "kind": "placement",
        "title": project.title,
        "summary": "",
        "lead_name": "",
        "lead_email": "",
        "stage": "proposal",
        "paused": False,
        "timezone": "Europe/London",
        "next_due_at": None,
        "created_at": now,
        "updated_at": now,
        "event_seq": 0,
        "state": None,
    }


def placement_title(year: int, direction: Direction) -> str:
    """The title ExchangeProgrammeWorkflow gives a placement project (the placeholder shows the same)."""
    towards = "to the museum" if direction is Direction.TO_MUSEUM else "to the partner"
    return f"Knowledge Exchange {year}: placement {towards}"


# -- notify_unsuccessful_applicants ------------------------------------------------------------


def unsuccessful_event_id(year: int) -> str:
    """The outbox `event_id` of one programme's 'not selected' e-mails (deliver_emails sends by it)."""
    return f"exchange/{year}:unsuccessful"


def unsuccessful_dedupe_key(year: int, application_id: str) -> str:
    return f"{unsuccessful_event_id(year)}:{application_id}"


@dataclass(frozen=True)
class Told:
    emails_queued: int
    awaiting_delivery: int


async def tell_unsuccessful_applicants(
    session: AsyncSession,
    told: ApplicantsToTell,
    render: Callable[[ExchangeApplication], RenderedEmail],
    *,
    smtp_configured: bool,
    now: datetime,
) -> Told:
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
    rows: list[dict[str, Any]] = []
    for application in others:
        email = render(application)
        rows.append(
            {
                "dedupe_key": unsuccessful_dedupe_key(told.year, application.id),
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
        )
    queued = await insert_ignore(session, OutboxEmail, rows)
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.event_id == event_id, OutboxEmail.status == "queued")
    )
    return Told(emails_queued=queued, awaiting_delivery=int(waiting or 0))
