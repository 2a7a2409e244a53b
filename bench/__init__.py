"""Benchmarks: what Engage costs over the bare Temporal primitives, measured in one run.

`python -m bench.run` (or `make bench`) starts, per benchmark, its own Temporal dev server on an
on-disk SQLite file, Engage's worker (`python worker.py`), a worker for trivial raw workflows, and
the API (uvicorn, in process, driven over loopback HTTP with httpx), and prints one JSON document.
Every Engage figure sits beside the raw Temporal primitive measured against the same server in
the same run, so the ratios hold on any machine. See bench/README.md for the figures and targets.

Not a test suite: nothing here asserts a target. `make bench-smoke` (CI) runs every benchmark at a
tiny size and fails only if one did not run or produced no numbers.
"""
