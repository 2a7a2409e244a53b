"""Compare each project's read model with its workflow, report drift, and repair it on request.

    python -m scripts.reconcile [--repair] [--project ID ...] [--include-open]      (or: make reconcile)

The workflow is the source of truth; the read model (`project`, `milestone`, `submission`,
`workshop`, `project_partner`) is its projection, written by the `record_project_changes`
activity. Drift means a hand edit, a restored backup or a bug put them apart. For every project in
the read model (`--include-open`: also every running ProjectWorkflow on ENGAGE_TASK_QUEUE, even one
with no row), this
reads the rows, *then* queries the workflow's `status` (in that order, so a healthy read model is
never ahead of the snapshot), and prints one JSON line per finding:

    {"kind": "drift", "project_id": ..., "table": "milestone", "key": "proposal", "field": "status",
     "read_model": "accepted", "workflow": "pending"}
    {"kind": "repaired", ...}            --repair rewrote the rows from the snapshot (events untouched)
    {"kind": "event_log_gap", ...}       seqs missing inside a project's log: reported, never invented
    {"kind": "event_log_behind", ...}    the log ends before the workflow's seq: in flight, or lost
    {"kind": "workflow_not_found", ...}  Temporal no longer has the run (retention); nothing to compare
    {"kind": "workflow_unreachable", ...}
    {"kind": "stuck", "project_id": ..., "reason": ..., "task_failure_cause": "NON_DETERMINISTIC_ERROR"}
                                         the workflow cannot answer: its tasks keep failing (e.g. a
                                         nondeterminism error after a deploy); the read model is all there is
    {"kind": "summary", ...}             last line: the counts

Values of fields that can hold personal data (names, addresses, summaries, notes) are never
printed, only that they differ. Exit status: 0 when everything matches (or was repaired), 1 when
drift remains, the log has gaps, or a workflow could not be asked or is stuck. A running worker must be
polling the task queue: queries are answered by a worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.main import connect_temporal
from api.settings import ApiSettings
from api.temporal_refusals import workflow_cannot_answer
from api.workflow_health import last_task_failure
from domain.state import ProjectState
from scripts.reconcile_compare import Rows, compare, log_findings, read_rows
from store.projects import writes as project_writes
from store.session import create_engine, create_sessionmaker
from store.settings import get_store_settings
from store.tables import Partner, Project
from workflows.naming import PROJECT_WORKFLOW, TASK_QUEUE, parse_project_workflow_id, project_workflow_id
from workflows.project import ProjectWorkflow

QUERY_TIMEOUT_SECONDS = 10.0

Emit = Callable[[dict[str, Any]], None]


@dataclass
class Summary:
    projects: int = 0
    in_sync: int = 0
    drifted: int = 0
    repaired: int = 0
    gaps: int = 0
    behind: int = 0
    not_found: int = 0
    unreachable: int = 0
    stuck: int = 0

    @property
    def clean(self) -> bool:
        return self.drifted == self.repaired and not self.gaps and not self.unreachable and not self.stuck

    def line(self) -> dict[str, Any]:
        return {"kind": "summary", **vars(self)}


async def _snapshot(client: Client, project_id: str) -> ProjectState | None:
    handle = client.get_workflow_handle_for(ProjectWorkflow.run, project_workflow_id(project_id))
    try:
        # 👉 Told to Temporal as the deadline too, so no worker is handed the query after we gave up
        # (a late query is what raced pending tasks in issue 11; api/temporal_calls.py says more).
        async with asyncio.timeout(QUERY_TIMEOUT_SECONDS + 1.0):
            return await handle.query(ProjectWorkflow.status, rpc_timeout=timedelta(seconds=QUERY_TIMEOUT_SECONDS))
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


STUCK_REASON = "the workflow cannot answer: its tasks keep failing (a nondeterminism error after a deploy?)"


async def stuck_line(client: Client, project_id: str, rows: Rows) -> dict[str, Any]:
    """A project whose workflow cannot make progress, with what the read model last recorded."""
    try:
        cause = await last_task_failure(client, project_workflow_id(project_id))
    except (RPCError, TimeoutError):
        cause = None
    return {
        "kind": "stuck",
        "project_id": project_id,
        "reason": STUCK_REASON,
        "task_failure_cause": cause,
        "read_model_stage": rows.project["stage"] if rows.project else None,
        "read_model_event_seq": rows.project["event_seq"] if rows.project else None,
    }


async def reconcile_project(
    client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    project_id: str,
    *,
    repair: bool,
    emit: Emit,
    summary: Summary,
) -> None:
    """Check one project (rows first, then the workflow), report, and repair if asked."""
    summary.projects += 1
    async with sessionmaker() as session:
        rows = await read_rows(session, project_id)
    try:
        snapshot = await _snapshot(client, project_id)
    except (RPCError, WorkflowQueryFailedError) as err:
        if not workflow_cannot_answer(err):
            summary.unreachable += 1
            emit({"kind": "workflow_unreachable", "project_id": project_id, "error": type(err).__name__})
            return
        summary.stuck += 1
        emit(await stuck_line(client, project_id, rows))
        return
    except TimeoutError as err:
        summary.unreachable += 1
        emit({"kind": "workflow_unreachable", "project_id": project_id, "error": type(err).__name__})
        return
    if snapshot is None:
        summary.not_found += 1
        emit({"kind": "workflow_not_found", "project_id": project_id})
        stored_seq = rows.project["event_seq"] if rows.project else None
        for line in log_findings(project_id, rows.event_seqs, stored_seq):
            summary.gaps += line["kind"] == "event_log_gap"
            emit(line)
        return
    if snapshot.partner_ids:
        async with sessionmaker() as session:
            rows.known_partners = set(
                await session.scalars(select(Partner.id).where(Partner.id.in_(snapshot.partner_ids)))
            )
    drift = compare(snapshot, rows)
    for line in drift:
        emit(line)
    if not drift:
        summary.in_sync += 1
    else:
        summary.drifted += 1
        if repair:
            stored_seq = rows.project["event_seq"] if rows.project else 0
            replacing = stored_seq if stored_seq > snapshot.event_seq else None
            async with sessionmaker.begin() as session:
                wrote = await project_writes.rewrite_snapshot(
                    session, snapshot, project_workflow_id(project_id), replacing_seq=replacing
                )
            if wrote:
                summary.repaired += 1
            emit(
                {
                    "kind": "repaired" if wrote else "not_repaired",
                    "project_id": project_id,
                    "event_seq": snapshot.event_seq,
                    "tables": sorted({line["table"] for line in drift}),
                }
            )
    for line in log_findings(project_id, rows.event_seqs, snapshot.event_seq):
        summary.gaps += line["kind"] == "event_log_gap"
        summary.behind += line["kind"] == "event_log_behind"
        emit(line)


async def open_project_ids(client: Client, task_queue: str) -> list[str]:
    """Every running ProjectWorkflow's project id on `task_queue`, from visibility (eventually consistent)."""
    query = f"WorkflowType = '{PROJECT_WORKFLOW}' AND ExecutionStatus = 'Running' AND TaskQueue = '{task_queue}'"
    found: list[str] = []
    async for execution in client.list_workflows(query):
        try:
            found.append(parse_project_workflow_id(execution.id))
        except ValueError:
            continue
    return found


async def reconcile(
    client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    project_ids: Sequence[str] | None = None,
    include_open: bool = False,
    task_queue: str = TASK_QUEUE,
    repair: bool = False,
    emit: Emit,
) -> Summary:
    """Reconcile the given projects (default: every project in the read model); emit findings, then a summary."""
    if project_ids:
        ids = list(dict.fromkeys(project_ids))
    else:
        async with sessionmaker() as session:
            ids = list(await session.scalars(select(Project.id).order_by(Project.created_at, Project.id)))
    if include_open:
        known = set(ids)
        ids += [p for p in await open_project_ids(client, task_queue) if p not in known]
    summary = Summary()
    for project_id in ids:
        await reconcile_project(client, sessionmaker, project_id, repair=repair, emit=emit, summary=summary)
    emit(summary.line())
    return summary


def _print_line(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line, default=str) + "\n")
    sys.stdout.flush()


async def run_cli(argv: Sequence[str], emit: Emit = _print_line) -> int:
    """The command line, connected as the API connects (TEMPORAL_ADDRESS, DATABASE_URL, ...)."""
    parser = argparse.ArgumentParser(prog="python -m scripts.reconcile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repair", action="store_true", help="rewrite drifted rows from the workflow's snapshot")
    parser.add_argument("--project", action="append", metavar="ID", help="only this project (repeatable)")
    parser.add_argument(
        "--include-open", action="store_true", help="also every running ProjectWorkflow on the task queue"
    )
    args = parser.parse_args(argv)
    settings = ApiSettings()
    client = await connect_temporal()
    engine = create_engine(get_store_settings())
    try:
        summary = await reconcile(
            client,
            create_sessionmaker(engine),
            project_ids=args.project,
            include_open=args.include_open,
            task_queue=settings.task_queue,
            repair=args.repair,
            emit=emit,
        )
    finally:
        await engine.dispose()
    return 0 if summary.clean else 1


def main() -> None:
    sys.exit(asyncio.run(run_cli(sys.argv[1:])))


if __name__ == "__main__":
    main()
