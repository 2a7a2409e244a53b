"""Projects, written: the project's first row (the API), one batch of a project's changes (the
`record_project_changes` activity), and a snapshot rewritten by `make reconcile`.

Each runs in the caller's transaction and never commits. Temporal may run the activity more than once
for the same batch (a retry after a lost result, or a timed-out attempt that still finishes late), so
every write is keyed:
- events: `(project_id, seq)`, inserted ON CONFLICT DO NOTHING;
- the project row and its child rows: rewritten only when the stored `event_seq` is lower than the
  snapshot's, so an older batch arriving late never moves the read model backwards;
- e-mails (store.projects.writes_mail): `dedupe_key` = event id + a hash of the address;
- webhook deliveries (store.webhooks.writes): one per new event and subscription, in this transaction.
The API's first row is inserted ON CONFLICT DO NOTHING because the activity may already have written a
newer one. Addresses and names never reach a log line here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import DomainEvent, ProjectChanges, RecordResult
from domain.state import ProjectState
from store.projects.writes_mail import EmailRenderer, awaiting_delivery, queue_emails
from store.projects.writes_ratings import write_project_ratings
from store.tables import Event, Milestone, Partner, Project, ProjectPartner, Submission, Workshop
from store.upserts import Excluded, insert_ignore, insert_ignore_returning, upsert
from store.webhooks.writes import queue_deliveries


async def apply_project_changes(
    session: AsyncSession,
    changes: ProjectChanges,
    render: EmailRenderer,
    *,
    workflow_id: str,
    smtp_configured: bool,
    now: datetime | None = None,
    webhooks_queued: set[str] | None = None,
) -> RecordResult:
    """Record a batch: events, read model, outbox, webhook deliveries. Runs in the caller's transaction;
    the caller commits.

    Invariants: running it again with the same batch writes nothing new and returns zero counts;
    `deliver` is true whenever e-mails of these events still wait for SMTP, so a retry whose first
    attempt committed but lost its result still gets the delivery started. Each event inserted now
    (not one a retry finds written) gets its webhook deliveries in this transaction; the ids of the
    webhooks that got any are added to `webhooks_queued`, for the caller to wake after it commits.
    """
    recorded_at = now or datetime.now(UTC)
    snapshot = changes.snapshot
    # The project row first: every other table points at it (the API normally inserted it already).
    if await _upsert_project(session, snapshot, workflow_id):
        await _replace_children(session, snapshot)
    rows = [_event_row(r.event, recorded_at) for r in changes.events]
    new_seqs = set(await insert_ignore_returning(session, Event, rows, Event.seq))
    events_written = len(new_seqs)
    new_events = [r.event for r in changes.events if r.event.seq in new_seqs]
    queued = await queue_deliveries(session, new_events, recorded_at)
    if webhooks_queued is not None:
        webhooks_queued.update(queued)
    emails_queued = await queue_emails(session, changes, render, smtp_configured, recorded_at)
    deliver = smtp_configured and await awaiting_delivery(session, changes)
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
    await write_project_ratings(session, snapshot)  # issue 16: intention, partner and museum levels


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


async def insert_project(session: AsyncSession, state: ProjectState, *, workflow_id: str) -> None:
    """The project's first read-model row (event_seq 0, no snapshot) and its partner links."""
    row = {
        "id": state.project_id,
        "workflow_id": workflow_id,
        "template_name": state.template_name,
        "template_version": state.template_version,
        "kind": state.kind,
        "title": state.title,
        "summary": state.summary,
        "lead_name": state.lead.name,
        "lead_email": state.lead.email,
        "stage": state.stage.value,
        "paused": False,
        "timezone": state.timezone,
        "next_due_at": state.next_due_at(),
        "created_at": state.created_at,
        "updated_at": state.updated_at,
        "event_seq": 0,
        "state": None,
    }
    await insert_ignore(session, Project, [row])
    links = [{"project_id": state.project_id, "partner_id": pid} for pid in state.partner_ids]
    if links:
        await insert_ignore(session, ProjectPartner, links)
