"""1. Create a project over HTTP vs a raw `start_workflow` of a trivial workflow.

Engage: `POST /api/v1/projects` with a staff key (key lookup, body validation, partner check in the
read model, `start_workflow` with the pinned template, the project's first read-model row, the
rendered answer). Raw: `client.start_workflow(RawWorkflow.run, ...)` on the same client.

Latency (the target's figure) is taken one call at a time with a short pause before each, the
latency one person sees; `back_to_back` repeats it with no pause, so Engage's background work
(its worker's tasks and activity for the previous project) competes with the next call. Then
throughput from 20 concurrent callers. `http_floor` is `GET /healthz` on the same connection:
what any request costs before Engage does anything.
"""

from __future__ import annotations

from typing import Any

from bench import scenario, stats
from bench.context import BenchContext
from bench.http import ok
from bench.stack import open_stack

CONCURRENCY = 20

#: Pause before each paced call: Engage's background work for the previous call finishes in it.
THINK_S = 0.1


async def run(ctx: BenchContext, db: str) -> dict[str, Any]:
    samples, warmup, back_to_back, load_total = (6, 1, 4, 10) if ctx.smoke else (240, 16, 60, 300)
    think_s = ctx.think(THINK_S)
    async with open_stack(ctx.root, "create", db=db, poll_s=ctx.poll_s) as stack:
        partner_id, _ = await stack.new_partner()
        staff = stack.staff()
        body = scenario.project_body([partner_id])

        async def engage(i: int) -> None:
            ok(await staff.post("/api/v1/projects", json=body), 201)

        async def raw(i: int) -> None:
            await scenario.start_raw(stack)

        async def raw_over_http(i: int) -> None:
            ok(await staff.post("/bench/raw/workflows"), 201)

        async def healthz(i: int) -> None:
            ok(await staff.get("/healthz"), 200)

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
            rounds=ctx.rounds,
            settle_s=ctx.settle_s,
        )
        result["back_to_back"] = stats.comparison(b2b)
        await scenario.read_model_caught_up(stack)

        # Throughput: alternating rounds per side, so both see the same drift. Engage's worker
        # catches up after each of its rounds (not counted), so the raw round starts on a quiet system.
        engage_load: list[stats.LoadResult] = []
        raw_load: list[stats.LoadResult] = []
        drain_s: list[float] = []
        load_rounds = 1 if ctx.smoke else 2
        for _ in range(load_rounds):
            engage_load.append(await stats.concurrent(engage, load_total // load_rounds, CONCURRENCY))
            drain_s.append(await scenario.read_model_caught_up(stack))
            raw_load.append(await stats.concurrent(raw, load_total // load_rounds, CONCURRENCY))
        e_load, r_load = _merge(engage_load), _merge(raw_load)
        result["load"] = {
            "concurrency": CONCURRENCY,
            "engage": e_load,
            "raw": r_load,
            "throughput_ratio": stats.ratio(float(e_load["per_second"]), float(r_load["per_second"])),
            "engage_worker_caught_up_after_s": round(max(drain_s), 2),
        }
        return result


def _merge(results: list[stats.LoadResult]) -> dict[str, float | int]:
    merged = stats.LoadResult(
        latencies_s=[x for r in results for x in r.latencies_s], wall_s=sum(r.wall_s for r in results)
    )
    return merged.as_dict()
