"""5. Follow-up fan-out: many survey waves due at one instant vs the raw timer fan-out.

Raw half (measured now): 2,000 `TimerWorkflow`s all sleeping until the same instant. The instant
is set far enough ahead that every workflow has started and armed its timer before it; from then
on we measure how long the server and worker take until the last one has completed, from the
workflows' close times in visibility. Measured twice: timers only (the figure the ratio uses, as
the issue asks), and timer plus one no-op activity (the closer primitive for "timer, then write").

Engage half: 2,000 projects whose first survey wave falls due at the same instant, 5 respondents
each, timed until every invitation is in the outbox. The projects and respondents are written to
the read model directly, and each project's `FollowUpWorkflow` is started as its ProjectWorkflow
would start it, anchored so that the wave is due at the shared instant; from then on it is
Engage's own timer, `open_survey_wave` activity (tokens, rendered e-mails) and outbox. On a tree
without `workflows.follow_up` this half reports `{"status": "pending: FollowUpWorkflow not built
yet"}` and the ratio is absent. The figure compared is the rate (workflows handled per second
after the instant), Engage's over the raw timers'.
"""

from __future__ import annotations

import importlib.util
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from temporalio.service import RPCError

from bench import scenario, stats
from bench.context import BenchContext
from bench.raw_workflows import TIMER_WORKFLOW, RawWorkflow, TimerWorkflow
from bench.stack import Stack, open_stack
from domain.lifecycle import Stage
from domain.state import ProjectInput
from domain.submissions import Person
from domain.templates import TemplateCatalog
from domain.transitions import new_project, open_stage
from store.hashing import email_hash
from store.projects.writes import project_row
from store.tables import Project
from workflows.naming import follow_up_workflow_id

PENDING = "pending: FollowUpWorkflow not built yet"
START_CONCURRENCY = 20
RESPONDENTS = 5


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    n = ctx.fanout_projects or (10 if ctx.smoke else 2_000)
    async with open_stack(ctx.root, "fanout", db=db, poll_s=ctx.poll_s) as stack:
        # Engage between the two raw runs, so the ratio's two figures are taken minutes apart at most.
        raw = {"timer": await raw_fanout(stack, n, with_activity=False, smoke=ctx.smoke)}
        engage = await engage_fanout(stack, n, smoke=ctx.smoke)
        if not ctx.smoke:
            raw["timer_and_activity"] = await raw_fanout(stack, n, with_activity=True, smoke=ctx.smoke)
    result: dict[str, Any] = {"workflows": n, "raw": raw, "engage": engage}
    if engage.get("per_second") and raw["timer"].get("per_second"):
        result["ratio"] = stats.ratio(float(engage["per_second"]), float(raw["timer"]["per_second"]))
    else:
        result["status"] = engage["status"]
    return result


async def engage_fanout(stack: Stack, n: int, *, smoke: bool) -> dict[str, Any]:
    """`n` projects' first survey wave due at one instant, RESPONDENTS each: seconds until every
    invitation is in the outbox. Pending until `workflows.follow_up` exists."""
    if importlib.util.find_spec("workflows.follow_up") is None:
        return {"status": PENDING}
    from workflows.follow_up import FollowUpWorkflow

    project_ids = await _seed_follow_up_projects(stack, n)
    lead_s = (1.5 if smoke else 15.0) + n / 30
    due = time.time() + lead_s
    offset = "PT1M"  # shorter than a day, so exact: every wave is due at `due` to the second
    starts = [_follow_up_input(pid, due - 60, offset) for pid in project_ids]
    started = time.monotonic()
    handles = await scenario.in_parallel(
        n,
        lambda i: stack.client.start_workflow(
            FollowUpWorkflow.run, starts[i], id=follow_up_workflow_id(project_ids[i]), task_queue=stack.task_queue
        ),
        concurrency=START_CONCURRENCY,
    )
    start_s = time.monotonic() - started

    async def last_one_planned() -> bool:
        # The query waits behind the worker's backlog of first tasks and may time out: not yet.
        try:
            return bool((await handles[-1].query(FollowUpWorkflow.status, rpc_timeout=timedelta(seconds=30))).waves)
        except RPCError:
            return False

    await stats.eventually(last_one_planned, within_s=lead_s + 600, interval_s=stack.poll_s)
    armed_s, armed_before_due = time.monotonic() - started, time.time() < due
    expected = n * RESPONDENTS

    async def all_invited() -> bool:
        if time.time() < due:
            return False
        return int(await stack.scalar("SELECT count(*) FROM outbox_email WHERE kind = 'survey'")) >= expected

    await stats.eventually(all_invited, within_s=lead_s + 1200, interval_s=stack.poll_s)
    spread = time.time() - due
    return {
        "projects": n,
        "respondents_each": RESPONDENTS,
        "invitations": expected,
        "start_s": round(start_s, 2),
        "armed_s": round(armed_s, 2),
        "armed_before_due": armed_before_due,
        "all_in_outbox_after_s": round(spread, 2),
        "per_second": round(n / spread, 1) if spread > 0 else None,
    }


def _follow_up_input(project_id: str, anchor_epoch: float, offset: str) -> Any:
    """What ProjectWorkflow would start its FollowUpWorkflow child with, anchored so the wave is due at once."""
    from domain.durations import IsoDuration
    from domain.follow_up import FollowUpInput

    return FollowUpInput(
        project_id=project_id,
        anchor_at=datetime.fromtimestamp(anchor_epoch, UTC),
        timezone="Europe/London",
        offsets=(IsoDuration(offset),),
    )


async def _seed_follow_up_projects(stack: Stack, n: int) -> list[str]:
    """`n` projects in follow_up in the read model, each with RESPONDENTS respondents of its own.

    Written directly (not driven through every stage over HTTP: that is benchmark 6); addresses
    are unique so the cross-project fatigue cap defers nobody.
    """
    from store.tables import Respondent

    catalog = TemplateCatalog.load_shipped()
    template = catalog.latest(scenario.TEMPLATE)
    assert template is not None
    now = datetime.now(UTC)
    ids: list[str] = []
    async with stack.sessionmaker() as session:
        for first in range(0, n, 500):
            states = []
            for _ in range(min(500, n - first)):
                start = ProjectInput(
                    project_id=uuid.uuid4().hex,
                    template=template,
                    title="Voices of the River",
                    lead=Person(name="Project Lead", email="lead@museum.example"),
                    partner_ids=(),
                    follow_up_schedule=(),
                    created_at=now,
                )
                state = new_project(start)
                open_stage(template, state, Stage.FOLLOW_UP, now)
                states.append(state)
            await session.execute(
                insert(Project), [project_row(s, follow_up_workflow_id(s.project_id)) for s in states]
            )
            people = [
                {
                    "id": uuid.uuid4().hex,
                    "project_id": s.project_id,
                    "name": f"Respondent {j}",
                    "email": (address := f"r{j}-{s.project_id}@respondents.example"),
                    "email_hash": email_hash(address),
                    "language": "en",
                    "role": "participant",
                    "created_at": now,
                }
                for s in states
                for j in range(RESPONDENTS)
            ]
            await session.execute(insert(Respondent), people)
            await session.commit()
            ids.extend(s.project_id for s in states)
    return ids


async def raw_fanout(stack: Stack, n: int, *, with_activity: bool, smoke: bool) -> dict[str, Any]:
    """Start `n` timer workflows due at one instant; seconds from that instant until the last completed."""
    # Starting runs at ~100-200/s and each start costs the worker a task: leave room for both.
    lead_s = (1.0 if smoke else 10.0) + n / 40
    due = time.time() + lead_s
    prefix = f"timer-{'act' if with_activity else 'only'}-{int(due)}"
    started = time.monotonic()
    await scenario.in_parallel(
        n,
        lambda i: stack.client.start_workflow(
            TimerWorkflow.run, args=[due, with_activity], id=f"{prefix}/{i}", task_queue=stack.raw_task_queue
        ),
        concurrency=START_CONCURRENCY,
    )
    start_s = time.monotonic() - started
    # A sentinel started last answers its Update in its first task: by then the worker has, near
    # enough (one partition, FIFO), run every timer workflow's first task and armed its timer.
    sentinel = await scenario.start_raw(stack)
    await sentinel.execute_update(RawWorkflow.bump, "armed?")
    armed_s = time.monotonic() - started
    armed_before_due = time.time() < due
    query = f"WorkflowType = '{TIMER_WORKFLOW}' AND WorkflowId STARTS_WITH '{prefix}/'"

    async def all_closed() -> bool:
        if time.time() < due:
            return False
        return (await stack.client.count_workflows(f"{query} AND ExecutionStatus = 'Running'")).count == 0

    await stats.eventually(all_closed, within_s=lead_s + 600, interval_s=stack.poll_s * 2)
    closes: list[float] = []
    async for execution in stack.client.list_workflows(query):
        assert execution.close_time is not None
        closes.append(execution.close_time.timestamp())
    lateness = [c - due for c in closes]
    spread = max(lateness)
    return {
        "workflows": len(closes),
        "start_s": round(start_s, 2),
        "armed_s": round(armed_s, 2),
        "armed_before_due": armed_before_due,
        "all_done_after_s": round(spread, 2),
        "per_second": round(n / spread, 1) if spread > 0 else None,
        "p50_lateness_s": round(stats.percentile(lateness, 50), 2),
        "p99_lateness_s": round(stats.percentile(lateness, 99), 2),
        "due_at": datetime.fromtimestamp(due).isoformat(timespec="seconds"),
    }
