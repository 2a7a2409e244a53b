"""3. Project detail (`GET /api/v1/projects/{id}`) vs a raw workflow query.

Engage: a staff key, the `status` query returning the whole `ProjectState`, and the rendered
`ProjectPublic` with the actions the caller may take. Raw: `handle.query(RawWorkflow.count)`.
Both cycle over 50 open workflows that are in the worker's cache, each with one accepted Update
(a submitted proposal; a bumped counter). Paced as in bench.create; a query leaves no background
work behind, so there is no back-to-back variant.
"""

from __future__ import annotations

from typing import Any

from bench import scenario, stats
from bench.context import BenchContext
from bench.http import ok
from bench.raw_workflows import RawWorkflow
from bench.stack import open_stack

TARGETS = 50

#: Pause before each paced call: Engage's background work for the previous call finishes in it.
THINK_S = 0.02


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    samples, warmup, targets = (6, 1, 5) if ctx.smoke else (300, 20, TARGETS)
    think_s = ctx.think(THINK_S)
    async with open_stack(ctx.root, "detail", db=db, poll_s=ctx.poll_s) as stack:
        partner_id, as_partner = await stack.new_partner()
        project_ids = await scenario.create_projects(stack, targets, [partner_id])
        await scenario.in_parallel(targets, lambda i: scenario.submit(as_partner, project_ids[i]))
        raws = await scenario.start_raws(stack, targets)
        await scenario.in_parallel(targets, lambda i: raws[i].execute_update(RawWorkflow.bump, "evidence"))
        await scenario.read_model_caught_up(stack)
        staff = stack.staff()

        async def engage(i: int) -> None:
            ok(await staff.get(f"/api/v1/projects/{project_ids[i % targets]}"), 200)

        async def raw(i: int) -> None:
            await raws[i % targets].query(RawWorkflow.count)

        async def raw_over_http(i: int) -> None:
            ok(await staff.get(f"/bench/raw/workflows/{raws[i % targets].id}"), 200)

        async def healthz(i: int) -> None:
            ok(await staff.get("/healthz"), 200)

        ops = {"engage": engage, "raw": raw, "raw_over_http": raw_over_http}
        paced = await stats.compare_sequential(
            ops, samples=samples, warmup=warmup, think_s=think_s, rounds=ctx.rounds, settle_s=ctx.settle_s
        )
        result: dict[str, Any] = stats.comparison(paced)
        result["think_s"] = think_s
        result["http_floor"] = stats.summary(await stats.sequential(healthz, range(samples // 2), think_s))
        return result
