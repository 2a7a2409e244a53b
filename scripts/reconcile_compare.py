"""What `make reconcile` compares: a project's stored rows against the rows its workflow's snapshot
would write, and its event log against the workflow's count (scripts/reconcile.py runs it).

Values of fields that can hold personal data are never reported, only that they differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.state import ProjectState
from store.projects import writes as project_writes
from store.tables import Event, Milestone, Project, ProjectPartner, Submission, Workshop
from workflows.naming import project_workflow_id

#: Columns whose values may be personal data: a drift report says they differ, never what they hold.
PERSONAL = frozenset({"lead_name", "lead_email", "state", "summary", "note", "feedback", "links", "actor_label"})


#: How each child table's rows are keyed.
_CHILD_KEYS: Mapping[str, tuple[str, ...]] = {
    Milestone.__tablename__: ("key",),
    Submission.__tablename__: ("milestone_key", "number"),
    Workshop.__tablename__: ("id",),
}


_CHILD_TABLES: Mapping[str, Table] = {
    name: table
    for name, table in ((m.__tablename__, m.__table__) for m in (Milestone, Submission, Workshop))
    if isinstance(table, Table)
}


@dataclass
class Rows:
    """A project's read model as stored: the project row (None if missing), children, partners, log."""

    project: dict[str, Any] | None
    children: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    partner_ids: set[str] = field(default_factory=set)
    known_partners: set[str] = field(default_factory=set)
    event_seqs: list[int] = field(default_factory=list)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


async def read_rows(session: AsyncSession, project_id: str) -> Rows:
    project_table = Project.__table__
    assert isinstance(project_table, Table)
    found = (await session.execute(select(project_table).where(project_table.c.id == project_id))).mappings().first()
    rows = Rows(project=dict(found) if found is not None else None)
    for name, table in _CHILD_TABLES.items():
        stored = (await session.execute(select(table).where(table.c.project_id == project_id))).mappings().all()
        rows.children[name] = {tuple(r[k] for k in _CHILD_KEYS[name]): dict(r) for r in stored}
    rows.partner_ids = set(
        await session.scalars(select(ProjectPartner.partner_id).where(ProjectPartner.project_id == project_id))
    )
    rows.event_seqs = sorted(
        await session.scalars(select(Event.seq).where(Event.project_id == project_id).order_by(Event.seq))
    )
    return rows


def _drift(project_id: str, table: str, key: Sequence[Any] | None, name: str, stored: Any, live: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "kind": "drift",
        "project_id": project_id,
        "table": table,
        "key": list(key) if key else None,
        "field": name,
    }
    if name in PERSONAL:
        line["values"] = "withheld: may be personal data"
    else:
        line["read_model"] = _plain(stored)
        line["workflow"] = _plain(live)
    return line


def compare(snapshot: ProjectState, rows: Rows) -> list[dict[str, Any]]:
    """Every difference between the stored rows and the rows the snapshot would write."""
    project_id = snapshot.project_id
    found: list[dict[str, Any]] = []
    expected = project_writes.project_row(snapshot, project_workflow_id(project_id))
    if rows.project is None:
        found.append(_drift(project_id, "project", None, "*", "missing", "present"))
    else:
        for column, live in expected.items():
            if rows.project.get(column) != live:
                found.append(_drift(project_id, "project", None, column, rows.project.get(column), live))
    for table, live_rows in project_writes.child_rows(snapshot).items():
        keys = _CHILD_KEYS[table]
        live_by_key = {tuple(r[k] for k in keys): r for r in live_rows}
        stored_by_key = rows.children.get(table, {})
        for key in sorted(live_by_key.keys() | stored_by_key.keys(), key=str):
            live_row, stored_row = live_by_key.get(key), stored_by_key.get(key)
            if live_row is None or stored_row is None:
                found.append(
                    _drift(
                        project_id,
                        table,
                        key,
                        "*",
                        "present" if stored_row else "missing",
                        "present" if live_row else "missing",
                    )
                )
                continue
            for column, live in live_row.items():
                if stored_row.get(column) != live:
                    found.append(_drift(project_id, table, key, column, stored_row.get(column), live))
    wanted_partners = {p for p in snapshot.partner_ids if p in rows.known_partners}
    if rows.partner_ids != wanted_partners:
        found.append(
            _drift(
                project_id,
                ProjectPartner.__tablename__,
                None,
                "partner_id",
                sorted(rows.partner_ids),
                sorted(wanted_partners),
            )
        )
    return found


def log_findings(project_id: str, seqs: Sequence[int], workflow_seq: int | None) -> list[dict[str, Any]]:
    """Gaps inside the event log, and whether it ends before the workflow's own count."""
    found: list[dict[str, Any]] = []
    recorded_through = seqs[-1] if seqs else 0
    present = set(seqs)
    missing = [s for s in range(1, recorded_through + 1) if s not in present]
    if missing:
        found.append({"kind": "event_log_gap", "project_id": project_id, "missing_seqs": missing})
    if workflow_seq is not None and recorded_through < workflow_seq:
        found.append(
            {
                "kind": "event_log_behind",
                "project_id": project_id,
                "recorded_through": recorded_through,
                "workflow_seq": workflow_seq,
                "note": "events still being recorded, or lost: run again to tell",
            }
        )
    return found
