"""The write side of the read model: apply one batch of a project's changes, idempotently.

`apply_project_changes` is what the `record_project_changes` activity does, in the caller's single
transaction. Temporal may run it more than once for the same batch (a retry after a lost result, or a
timed-out attempt that still finishes late), so every write is keyed:
- events: `(project_id, seq)`, inserted ON CONFLICT DO NOTHING;
- the project row and its child rows: rewritten only when the stored `event_seq` is lower than the
  snapshot's, so an older batch arriving late never moves the read model backwards;
- e-mails: `dedupe_key` = event id + a hash of the address, inserted ON CONFLICT DO NOTHING.

Rendering is injected (`EmailRenderer`): templates are the activities' business, storage is ours.
Who gets an e-mail is domain.notifications' rule (`recipients`, `nobody_needs_telling`): we fetch the
partners' contacts and write what it answers.
Addresses and names never reach a log line here.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import DomainEvent, ProjectChanges, RecordResult
from domain.lifecycle import Audience
from domain.notifications import nobody_needs_telling, recipients
from domain.state import ProjectState
from store.tables import Event, Milestone, OutboxEmail, Partner, Project, ProjectPartner, Submission, Workshop
from store.upserts import Excluded, insert_ignore, upsert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmailContext:
    """Everything a template may use. `snapshot` is the state after the whole batch."""

    event: DomainEvent
    snapshot: ProjectState
    audience: Audience
    recipient_name: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


EmailRenderer = Callable[[EmailContext], RenderedEmail]


def dedupe_key(event_id: str, address: str) -> str:
    """The outbox key of one e-mail: at most one per event and address, without storing the address in it."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]
    return f"{event_id}:{digest}"


async def apply_project_changes(
    session: AsyncSession,
    changes: ProjectChanges,
    render: EmailRenderer,
    *,
    workflow_id: str,
    smtp_configured: bool,
    now: datetime | None = None,
) -> RecordResult:
    """Record a batch: events, read model, outbox. Runs in the caller's transaction; the caller commits.

    Invariants: running it again with the same batch writes nothing new and returns zero counts;
    `deliver` is true whenever e-mails of these events still wait for SMTP, so a retry whose first
    attempt committed but lost its result still gets the delivery started.
    """
    recorded_at = now or datetime.now(UTC)
    snapshot = changes.snapshot
    # The project row first: every other table points at it (the API normally inserted it already).
    if await _upsert_project(session, snapshot, workflow_id):
        await _replace_children(session, snapshot)
    events_written = await insert_ignore(session, Event, [_event_row(r.event, recorded_at) for r in changes.events])
    emails_queued = await _queue_emails(session, changes, render, smtp_configured, recorded_at)
    deliver = smtp_configured and await _awaiting_delivery(session, changes)
    return RecordResult(events_written=events_written, emails_queued=emails_queued, deliver=deliver)


async def _upsert_project(session: AsyncSession, snapshot: ProjectState, workflow_id: str) -> bool:
    row = project_row(snapshot, workflow_id)
    updated = [c for c in row if c not in ("id", "workflow_id", "created_at")]
    written = await upsert(
        session, Project, [row], ["id"], updated, where=lambda new: Project.event_seq < new.event_seq
    )
    return written > 0


def project_row(snapshot: ProjectState, workflow_id: str) -> dict[str, Any]:
    """The `project` row for a state snapshot (also what the API may insert at creation, with seq 0)."""
    return {
        "id": snapshot.project_id,
        "workflow_id": workflow_id,
        "template_name": snapshot.template_name,
        "template_version": snapshot.template_version,
        "kind": snapshot.kind,
        "title": snapshot.title,
        "summary": snapshot.summary,
        "lead_name": snapshot.lead.name,
        "lead_email": snapshot.lead.email,
        "stage": snapshot.stage.value,
        "paused": snapshot.paused_at is not None,
        "timezone": snapshot.timezone,
        "next_due_at": snapshot.next_due_at(),
        "created_at": snapshot.created_at,
        "updated_at": snapshot.updated_at,
        "event_seq": snapshot.event_seq,
        "state": snapshot.model_dump(mode="json"),
    }


async def rewrite_snapshot(
    session: AsyncSession, snapshot: ProjectState, workflow_id: str, *, replacing_seq: int | None = None
) -> bool:
    """Write the read model of one project from a workflow snapshot, events untouched (`api.reconcile`).

    Unlike a batch, the same `event_seq` is rewritten too (a corrupted row keeps its seq). The row
    still never moves backwards, except from exactly `replacing_seq`: the caller saw that (higher)
    value and knows it is wrong, since a workflow's seq never decreases. Returns whether it wrote.
    """
    row = project_row(snapshot, workflow_id)
    updated = [c for c in row if c != "id"]

    def allowed(new: Excluded) -> ColumnElement[bool]:
        condition = Project.event_seq <= new.event_seq
        return or_(condition, Project.event_seq == replacing_seq) if replacing_seq is not None else condition

    if not await upsert(session, Project, [row], ["id"], updated, where=allowed):
        return False
    await _replace_children(session, snapshot)
    return True


def child_rows(snapshot: ProjectState) -> dict[str, list[dict[str, Any]]]:
    """The `milestone`, `submission` and `workshop` rows of a snapshot, by table name."""
    project_id = snapshot.project_id
    milestones = [
        {
            "project_id": project_id,
            "key": m.key,
            "stage": m.stage.value,
            "title": m.title,
            "submitter": m.submitter.value,
            "status": m.status.value,
            "required": m.required,
            "review_required": m.review_required,
            "due_at": m.due_at,
        }
        for m in snapshot.milestones
    ]
    submissions = [
        {
            "project_id": project_id,
            "milestone_key": m.key,
            "number": s.number,
            "actor_party": s.actor.party.value,
            "actor_partner_id": s.actor.partner_id,
            "actor_label": s.actor.label,
            "summary": s.summary,
            "links": list(s.links),
            "submitted_at": s.submitted_at,
            "decision": s.decision.value if s.decision else None,
            "note": s.note,
            "reviewed_at": s.reviewed_at,
        }
        for m in snapshot.milestones
        for s in m.submissions
    ]
    workshops = [
        {
            "project_id": project_id,
            "id": w.id,
            "title": w.title,
            "starts_at": w.starts_at,
            "ends_at": w.ends_at,
            "place": w.place,
            "attendance": w.attendance,
            "feedback": w.feedback,
            "recorded_at": w.recorded_at,
        }
        for w in snapshot.workshops
    ]
    return {
        Milestone.__tablename__: milestones,
        Submission.__tablename__: submissions,
        Workshop.__tablename__: workshops,
    }


async def _replace_children(session: AsyncSession, snapshot: ProjectState) -> None:
    project_id = snapshot.project_id
    for table in (Submission, Milestone, Workshop, ProjectPartner):
        await session.execute(delete(table).where(table.project_id == project_id))
    rows = child_rows(snapshot)
    for table in (Milestone, Submission, Workshop):
        if rows[table.__tablename__]:
            await session.execute(insert(table), rows[table.__tablename__])
    if snapshot.partner_ids:
        # INSERT ... SELECT keeps only partners that exist: an unknown id must not wedge the activity
        # on a foreign-key error that no retry can fix.
        known = select(literal(project_id), Partner.id).where(Partner.id.in_(snapshot.partner_ids))
        await session.execute(
            insert(ProjectPartner).from_select([ProjectPartner.project_id, ProjectPartner.partner_id], known)
        )


def _event_row(event: DomainEvent, recorded_at: datetime) -> dict[str, Any]:
    return {
        "project_id": event.project_id,
        "seq": event.seq,
        "type": event.type.value,
        "occurred_at": event.occurred_at,
        "stage": event.stage.value,
        "actor": event.actor,
        "milestone_key": event.milestone_key,
        "detail": dict(event.detail),
        "recorded_at": recorded_at,
    }


async def _queue_emails(
    session: AsyncSession,
    changes: ProjectChanges,
    render: EmailRenderer,
    smtp_configured: bool,
    created_at: datetime,
) -> int:
    snapshot = changes.snapshot
    notified = [r for r in changes.events if r.notify and not nobody_needs_telling(r.event, snapshot)]
    if not notified:
        return 0
    partners = await _partner_contacts(session, snapshot)
    rows: list[dict[str, Any]] = []
    for recorded in notified:
        event = recorded.event
        for recipient in recipients(recorded.notify, snapshot, partners):
            email = render(EmailContext(event, snapshot, recipient.audience, recipient.name))
            rows.append(
                {
                    "dedupe_key": dedupe_key(event.event_id, recipient.address),
                    "event_id": event.event_id,
                    "project_id": snapshot.project_id,
                    "audience": recipient.audience.value,
                    "to_name": recipient.name,
                    "to_address": recipient.address,
                    "subject": email.subject,
                    "body": email.body,
                    "created_at": created_at,
                    "status": "queued" if smtp_configured else "held",
                    "attempts": 0,
                }
            )
    return await insert_ignore(session, OutboxEmail, rows)


async def _partner_contacts(session: AsyncSession, snapshot: ProjectState) -> list[tuple[str, str]]:
    """(name, address) of each partner's contact, in the project's partner order."""
    if not snapshot.partner_ids:
        return []
    found = {p.id: p for p in await session.scalars(select(Partner).where(Partner.id.in_(snapshot.partner_ids)))}
    missing = [pid for pid in snapshot.partner_ids if pid not in found]
    if missing:
        logger.warning("partners not found; no e-mail for them", extra={"partner_ids": missing})
    return [(found[pid].contact_name, found[pid].contact_email) for pid in snapshot.partner_ids if pid in found]


async def _awaiting_delivery(session: AsyncSession, changes: ProjectChanges) -> bool:
    event_ids = [r.event.event_id for r in changes.events if r.notify]
    if not event_ids:
        return False
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.event_id.in_(event_ids), OutboxEmail.status == "queued")
    )
    return bool(waiting)
