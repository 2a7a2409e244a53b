"""The cluster tests run only under `make test-cluster` (ENGAGE_CLUSTER_TESTS=1), never in `make test`.

They need the Temporal server built from the Go module (minutes the first time) and take minutes
to run, so the default suite leaves them out; `make test-cluster` sets the variable. One cluster
is started per session and shared by every test here, in file order: the lifecycle tests first
(test_lifecycle.py), then the faults (test_under_faults.py), each of which leaves the cluster whole again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cluster.stack import Cluster, start_cluster, stop_cluster

if os.environ.get("ENGAGE_CLUSTER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[Cluster]:
    # Not under pytest's basetemp: that keeps only the last three sessions of anyone on the machine,
    # and the logs of a failed run must outlive the next few test runs.
    workdir = Path(tempfile.mkdtemp(prefix="engage-cluster-tests-"))
    started = await start_cluster(workdir)
    print(f"\nCLUSTER-SUMMARY started_in_s={started.started_in_s:.1f} logs={started.logs}")  # noqa: T201
    try:
        yield started
    finally:
        await stop_cluster(started)
    if request.session.testsfailed == 0:  # logs are worth keeping only when something failed
        shutil.rmtree(workdir, ignore_errors=True)
