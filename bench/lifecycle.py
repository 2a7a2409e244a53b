"""6. A whole project driven from proposal to follow_up over HTTP: wall time, history, event rows.

The requests a partner and staff make for a co-curation project, in order (as
tests/api/test_project_lifecycle.py makes them): proposal submitted and accepted; agreement signed
and accepted, a session booked, access needs recorded; attendance recorded, objects selected and
accepted; content and labels accepted, installation done, a display that has already closed; both
reflections. Wall time runs from the create request to the reply that opens follow_up (the display
stage closes on a timer, so that one step polls the project). Then, once the worker has recorded
everything, the workflow's history length and the project's event rows; and again after closing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import scenario, stats
from bench.context import BenchContext
from bench.http import HttpClient, ok
from bench.stack import Stack, open_stack
from workflows.naming import project_workflow_id

HISTORY_TARGET = 400


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    runs = 1 if ctx.smoke else 5
    async with open_stack(ctx.root, "lifecycle", db=db, poll_s=ctx.poll_s, raw_worker=False) as stack:
        partner_id, as_partner = await stack.new_partner()
        results = [await one_project(stack, partner_id, as_partner) for _ in range(runs)]
    walls = [r["wall_s"] for r in results]
    last = results[-1]
    return {
        "runs": runs,
        "requests": last["requests"],
        "wall_s_p50": round(stats.percentile(walls, 50), 3),
        "wall_s_max": round(max(walls), 3),
        "history_events": max(r["history_events"] for r in results),
        "event_rows": last["event_rows"],
        "history_events_after_close": max(r["history_events_after_close"] for r in results),
        "event_rows_after_close": last["event_rows_after_close"],
        "history_target": HISTORY_TARGET,
    }


async def one_project(stack: Stack, partner_id: str, as_partner: HttpClient) -> dict[str, Any]:
    staff = stack.staff()
    requests = 0

    async def call(http: HttpClient, method: str, url: str, status: int, body: Any = None) -> Any:
        nonlocal requests
        requests += 1
        return ok(await http.request(method, url, json=body), status)

    now = datetime.now(UTC)
    started = time.perf_counter()
    pid = (await call(staff, "POST", "/api/v1/projects", 201, scenario.project_body([partner_id])))["id"]
    base = f"/api/v1/projects/{pid}"

    async def submit(http: HttpClient, key: str) -> None:
        await call(http, "POST", f"{base}/milestones/{key}/submissions", 201, scenario.EVIDENCE)

    async def accept(key: str) -> None:
        await call(staff, "POST", f"{base}/milestones/{key}/review", 200, {"decision": "accept", "note": ""})

    await submit(as_partner, "proposal")
    await accept("proposal")
    await submit(as_partner, "partnership_agreement")
    await accept("partnership_agreement")
    session = {
        "title": "Choosing objects",
        "starts_at": (now - timedelta(hours=3)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat(),
        "place": "Community room",
    }
    await call(staff, "POST", f"{base}/workshops", 201, session)
    await submit(staff, "access_needs")
    await call(staff, "POST", f"{base}/workshops/w1/attendance", 200, {"attendance": 14, "feedback": "Lively"})
    await submit(as_partner, "object_selection")
    await accept("object_selection")
    for key in ("display_content", "labels"):
        await submit(as_partner, key)
        await accept(key)
    await submit(staff, "installation")
    display = {
        "title": "Voices of the River",
        "location": "Gallery 3",
        "opens_at": (now - timedelta(days=30)).isoformat(),
        "closes_at": (now - timedelta(days=1)).isoformat(),
    }
    await call(staff, "PUT", f"{base}/display", 200, display)

    async def in_evaluation() -> bool:
        return bool((await call(staff, "GET", base, 200))["stage"] == "evaluation")

    await stats.eventually(in_evaluation, within_s=30, interval_s=0.01)
    await submit(as_partner, "partner_reflection")
    await submit(staff, "staff_reflection")
    wall_s = time.perf_counter() - started
    state = await call(staff, "GET", base, 200)
    if state["stage"] != "follow_up":
        raise RuntimeError(f"expected follow_up after both reflections, got {state['stage']}")
    history, rows = await _recorded(stack, pid)

    await call(staff, "POST", f"{base}/close", 200, {"reason": "Follow-up handed over"})
    await stack.client.get_workflow_handle(project_workflow_id(pid)).result()
    history_closed, rows_closed = await _recorded(stack, pid)
    return {
        "wall_s": wall_s,
        "requests": requests,
        "history_events": history,
        "event_rows": rows,
        "history_events_after_close": history_closed,
        "event_rows_after_close": rows_closed,
    }


async def _recorded(stack: Stack, project_id: str) -> tuple[int, int]:
    """History length and event rows once the read model holds every event the workflow emitted."""
    handle = stack.client.get_workflow_handle(project_workflow_id(project_id))

    async def rows() -> int:
        return int(await stack.scalar("SELECT count(*) FROM event WHERE project_id = :p", p=project_id))

    async def settled() -> bool:
        seq = int(await stack.scalar("SELECT event_seq FROM project WHERE id = :p", p=project_id) or 0)
        return seq > 0 and await rows() == seq and await _history_quiet(handle)

    await stats.eventually(settled, within_s=60, interval_s=stack.poll_s)
    return len([e async for e in handle.fetch_history_events()]), await rows()


async def _history_quiet(handle: Any) -> bool:
    """No workflow or activity task outstanding: the history ends in a completed task or the close."""
    description = await handle.describe()
    raw = description.raw_description
    return not raw.pending_activities and not raw.HasField("pending_workflow_task")
