"""Latency and throughput helpers: percentiles, and the loops that take the samples.

Why interleaved rounds: on a 2-core machine the background (SQLite checkpoints, the Go GC, the
worker catching up) drifts over seconds. Taking the Engage and raw samples in alternating rounds,
with a pause to let the worker settle between them, exposes both sides to the same drift, so
their ratio is stable even when the absolute figures move between runs.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

Op = Callable[[int], Awaitable[object]]


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(samples_s: list[float]) -> dict[str, float | int]:
    """p50/p99/mean/max in milliseconds of latencies given in seconds."""
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else math.nan,
        "max_ms": round(max(ms), 2) if ms else math.nan,
    }


def ratio(engage: float, raw: float) -> float:
    return round(engage / raw, 2) if raw > 0 else math.inf


def ratios(engage: dict[str, float | int], raw: dict[str, float | int]) -> dict[str, float]:
    return {
        "p50": ratio(float(engage["p50_ms"]), float(raw["p50_ms"])),
        "p99": ratio(float(engage["p99_ms"]), float(raw["p99_ms"])),
    }


async def timed(op: Op, i: int) -> float:
    started = time.perf_counter()
    await op(i)
    return time.perf_counter() - started


async def sequential(op: Op, indices: range, think_s: float = 0.0) -> list[float]:
    """Latency of each `op(i)`, one at a time; `think_s` of idle before each call."""
    latencies: list[float] = []
    for i in indices:
        if think_s:
            await asyncio.sleep(think_s)
        latencies.append(await timed(op, i))
    return latencies


async def compare_sequential(
    ops: Mapping[str, Op],
    *,
    samples: int,
    warmup: int,
    think_s: float,
    first: int = 0,
    rounds: int = 4,
    settle_s: float = 0.5,
) -> dict[str, list[float]]:
    """Latencies of each op in `ops`, one call at a time, in rounds whose order rotates.

    `think_s` is the pause before each call: with it, a sample measures the latency a person sees
    on a quiet system (Engage's own background work from the previous call has had time to finish);
    with 0 the calls run back to back and that background work competes with the next call.
    Each op sees indices first..first+warmup+samples-1 exactly once (warm-up first, not recorded),
    so an op may use its index to pick a fresh target. The garbage collector runs between rounds,
    not inside them, on every side alike.
    """
    for op in ops.values():
        await sequential(op, range(first, first + warmup), think_s)
    latencies: dict[str, list[float]] = {name: [] for name in ops}
    per_round = math.ceil(samples / rounds)
    end = first + warmup + samples
    names = list(ops)
    for r in range(rounds):
        start = first + warmup + r * per_round
        block = range(start, min(start + per_round, end))
        for name in names[r % len(names) :] + names[: r % len(names)]:
            await asyncio.sleep(settle_s)
            gc.collect()
            latencies[name].extend(await sequential(ops[name], block, think_s))
    return latencies


def comparison(latencies: dict[str, list[float]]) -> dict[str, object]:
    """Summaries of `engage`, `raw` and, if measured, `raw_over_http`, with the ratios between them.

    `ratio` is Engage over the raw primitive (the issue's target). `raw_over_http` is the same raw
    call behind the thinnest route on the same HTTP stack, so `http_ratio` (it over raw) is what
    HTTP alone costs and `own_ratio` (Engage over it) what Engage adds beyond that.
    """
    engage, raw = summary(latencies["engage"]), summary(latencies["raw"])
    result: dict[str, object] = {"engage": engage, "raw": raw, "ratio": ratios(engage, raw)}
    if "raw_over_http" in latencies:
        over_http = summary(latencies["raw_over_http"])
        result["raw_over_http"] = over_http
        result["http_ratio"] = ratios(over_http, raw)
        result["own_ratio"] = ratios(engage, over_http)
    return result


@dataclass
class LoadResult:
    latencies_s: list[float]
    wall_s: float

    @property
    def per_second(self) -> float:
        return len(self.latencies_s) / self.wall_s if self.wall_s > 0 else math.nan

    def as_dict(self) -> dict[str, float | int]:
        return {**summary(self.latencies_s), "per_second": round(self.per_second, 1), "wall_s": round(self.wall_s, 2)}


async def concurrent(op: Op, total: int, concurrency: int, first: int = 0) -> LoadResult:
    """Run `op(first)..op(first+total-1)` from `concurrency` callers; each caller waits for its reply."""
    next_index = first
    latencies: list[float] = []

    async def caller() -> None:
        nonlocal next_index
        while next_index < first + total:
            i = next_index
            next_index += 1
            latencies.append(await timed(op, i))

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return LoadResult(latencies, time.perf_counter() - started)


async def eventually(probe: Callable[[], Awaitable[bool]], *, within_s: float, interval_s: float = 0.1) -> float:
    """Poll `probe` until it holds; return the seconds it took. Raise TimeoutError past `within_s`."""
    started = time.monotonic()
    while not await probe():
        if time.monotonic() - started > within_s:
            raise TimeoutError(f"condition not met within {within_s:.0f} s")
        await asyncio.sleep(interval_s)
    return time.monotonic() - started
