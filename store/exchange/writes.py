"""Knowledge Exchange, written: by the API in a request (the programme's first row, applications,
staff's case-study mark) and by the programme's activities (its changes, a placement's registration).

Every function runs in the caller's one transaction and never commits (store/__init__). Each is
idempotent by construction, because Temporal may run an activity more than once:
- events are inserted ON CONFLICT DO NOTHING on `(year, seq)`;
- the programme row is upserted only when the snapshot's `event_seq` is newer than the stored one
  (the API inserts it with 0 at start), so a late retry never moves it backwards; the mirrored
  application statuses and placement rows are rewritten only together with it;
- a placement row is upserted by its id and its respondents are unique per project and address;
- an application: the unique key `(year, email_hash)` makes a second application by the same person
  (even a concurrent one) a no-op that the caller answers 409, without touching the first.

`exchange_placement.case_study` is staff's mark (the API writes it): nothing else overwrites it.
No addresses or names in logs; callers log years, ids and counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.exchange import ExchangeChanges, ExchangeState, Placement
from domain.placements import HOST_CONTACT_ROLE, visitor_role
from store.hashing import email_hash
from store.surveys.writes import NewRespondent, RowResult, add_respondents
from store.tables import (
    ExchangeApplication,
    ExchangeEventRow,
    ExchangePlacement,
    ExchangeProgramme,
    Partner,
    Project,
)
from store.upserts import insert_ignore, upsert


async def insert_programme(session: AsyncSession, state: ExchangeState, now: datetime) -> None:
    """The programme's first row (event_seq 0), unless the worker already wrote a newer one."""
    await insert_ignore(session, ExchangeProgramme, [programme_row(state, created_at=now, updated_at=now)])


@dataclass(frozen=True)
class NewApplication:
    """An application the API has validated (window, eligibility, organisation)."""

    organisation: str
    name: str
    email: str
    role: str
    employment: str
    statement_of_benefit: str
    hoped_gains: str
    offer: str
    preferred_areas: list[str] = field(default_factory=list)
    access_needs: str = ""
    availability: str = ""


async def add_application(
    session: AsyncSession, year: int, application: NewApplication, now: datetime
) -> ExchangeApplication | None:
    """Store the application in the caller's transaction; None (nothing written) if this person already applied
    this year."""
    row = {
        "id": uuid.uuid4().hex,
        "year": year,
        "organisation": application.organisation,
        "name": application.name,
        "email": application.email,
        "email_hash": email_hash(application.email),
        "role": application.role,
        "employment": application.employment,
        "statement_of_benefit": application.statement_of_benefit,
        "hoped_gains": application.hoped_gains,
        "offer": application.offer,
        "preferred_areas": list(application.preferred_areas),
        "access_needs": application.access_needs,
        "availability": application.availability,
        "submitted_at": now,
        "status": "received",
    }
    if not await insert_ignore(session, ExchangeApplication, [row]):
        return None
    return await session.get(ExchangeApplication, row["id"])


async def mark_case_study(session: AsyncSession, year: int, placement_id: str) -> bool:
    """Mark the placement a case study (idempotent); False if the year has no such placement."""
    result = await session.execute(
        update(ExchangePlacement)
        .where(ExchangePlacement.year == year, ExchangePlacement.id == placement_id)
        .values(case_study=True)
    )
    return bool(getattr(result, "rowcount", 0))


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


@dataclass(frozen=True)
class PlacementProject:
    """What the placeholder project row needs that the placement does not say."""

    workflow_id: str
    template_version: int
    title: str


async def register_placement(
    session: AsyncSession, year: int, placement: Placement, project: PlacementProject, now: datetime
) -> list[RowResult]:
    """The placement's row, its project's first row, and its follow-up respondents.

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
        role = visitor_role(applicant.organisation)
        people.append(NewRespondent(name=applicant.name, email=applicant.email, role=role))
    partner = await session.get(Partner, placement.partner_id)
    if partner is not None:
        people.append(NewRespondent(name=partner.contact_name, email=partner.contact_email, role=HOST_CONTACT_ROLE))
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
