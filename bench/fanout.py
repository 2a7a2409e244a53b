"""5. Follow-up fan-out: many survey waves due at one instant vs the raw timer fan-out.

Raw half (measured now): 2,000 `TimerWorkflow`s all sleeping until the same instant. The instant
is set far enough ahead that every workflow has started and armed its timer before it; from then
on we measure how long the server and worker take until the last one has completed, from the
workflows' close times in visibility. Measured twice: timers only (the figure the ratio uses, as
the issue asks), and timer plus one no-op activity (the closer primitive for "timer, then write").

Engage half: 2,000 projects whose survey waves fall due at the same instant, 5 respondents each,
timed until every invitation is in the outbox. It needs `FollowUpWorkflow`
(`workflows.follow_up`), which is being built; until it is importable this half reports
`{"status": "pending: FollowUpWorkflow not built yet"}` and the ratio is absent.
"""

from __future__ import annotations

import importlib.util
import time
from datetime import datetime
from typing import Any

from bench import scenario, stats
from bench.context import BenchContext
from bench.raw_workflows import TIMER_WORKFLOW, RawWorkflow, TimerWorkflow
from bench.stack import Stack, open_stack

PENDING = "pending: FollowUpWorkflow not built yet"
START_CONCURRENCY = 20
RESPONDENTS = 5


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    n = 20 if ctx.smoke else 2_000
    async with open_stack(ctx.root, "fanout", db=db, poll_s=ctx.poll_s) as stack:
        raw = {"timer": await raw_fanout(stack, n, with_activity=False, smoke=ctx.smoke)}
        if not ctx.smoke:
            raw["timer_and_activity"] = await raw_fanout(stack, n, with_activity=True, smoke=ctx.smoke)
        engage = await engage_fanout(stack, n)
    result: dict[str, Any] = {"workflows": n, "raw": raw, "engage": engage}
    if "per_second" in engage:
        result["ratio"] = stats.ratio(float(engage["per_second"]), float(raw["timer"]["per_second"]))
    else:
        result["status"] = engage["status"]
    return result


async def engage_fanout(stack: Stack, n: int) -> dict[str, Any]:
    """The Engage half; pending until `workflows.follow_up` exists."""
    if importlib.util.find_spec("workflows.follow_up") is None:
        return {"status": PENDING}
    # 👉 FollowUpWorkflow has landed: drive `n` projects' follow-up with RESPONDENTS respondents each
    # so one wave of every project falls due at one instant, and time until the outbox holds
    # n * RESPONDENTS invitations (poll `SELECT count(*) FROM outbox_email`), as `raw_fanout` does.
    return {"status": "pending: FollowUpWorkflow exists; bench.fanout.engage_fanout is not wired to it yet"}


async def raw_fanout(stack: Stack, n: int, *, with_activity: bool, smoke: bool) -> dict[str, Any]:
    """Start `n` timer workflows due at one instant; seconds from that instant until the last completed."""
    # Starting runs at ~100-200/s and each start costs the worker a task: leave room for both.
    lead_s = (1.5 if smoke else 10.0) + n / 40
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
