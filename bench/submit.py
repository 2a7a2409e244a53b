"""2. A partner submits milestone evidence over HTTP vs a raw `execute_update` on a trivial workflow.

Engage: `POST /api/v1/projects/{id}/milestones/proposal/submissions` with the partner's own key:
authentication, body validation, the project's visibility to that partner, the Update with its
validator accepted and answered (durable before the reply), and the rendered milestone. Raw:
`handle.execute_update(RawWorkflow.bump, ...)`, an Update with a validator. Every sample goes to a
workflow of its own (a project's proposal is submitted once), all of them in the worker's cache.
Paced and back to back as in bench.create.
"""

from __future__ import annotations

from typing import Any

from bench import scenario, stats
from bench.context import BenchContext
from bench.http import ok
from bench.raw_workflows import RawWorkflow
from bench.stack import open_stack

#: Pause before each paced call: Engage's background work for the previous call finishes in it.
THINK_S = 0.1


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    samples, warmup, back_to_back = (6, 1, 4) if ctx.smoke else (240, 16, 60)
    targets = warmup + samples + back_to_back
    think_s = ctx.think(THINK_S)
    async with open_stack(ctx.root, "submit", db=db, poll_s=ctx.poll_s) as stack:
        partner_id, as_partner = await stack.new_partner()
        project_ids = await scenario.create_projects(stack, targets, [partner_id])
        raws = await scenario.start_raws(stack, targets)
        over_http = await scenario.start_raws(stack, warmup + samples)

        async def engage(i: int) -> None:
            await scenario.submit(as_partner, project_ids[i])

        async def raw(i: int) -> None:
            await raws[i].execute_update(RawWorkflow.bump, "evidence")

        async def raw_over_http(i: int) -> None:
            ok(await stack.staff().post(f"/bench/raw/workflows/{over_http[i].id}/bump"), 200)

        async def healthz(i: int) -> None:
            ok(await stack.staff().get("/healthz"), 200)

        ops = {"engage": engage, "raw": raw, "raw_over_http": raw_over_http}
        paced = await stats.compare_sequential(
            ops, samples=samples, warmup=warmup, think_s=think_s, rounds=ctx.rounds, settle_s=ctx.settle_s
        )
        result: dict[str, Any] = stats.comparison(paced)
        result["think_s"] = think_s
        result["http_floor"] = stats.summary(await stats.sequential(healthz, range(samples // 2), think_s))
        await scenario.read_model_caught_up(stack)
        b2b = await stats.compare_sequential(
            {"engage": engage, "raw": raw},
            samples=back_to_back,
            warmup=0,
            think_s=0,
            first=warmup + samples,
            rounds=ctx.rounds,
            settle_s=ctx.settle_s,
        )
        result["back_to_back"] = stats.comparison(b2b)
        return result
