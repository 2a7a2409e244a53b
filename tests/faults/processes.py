"""Real processes for fault tests: the Temporal dev server, `python worker.py` and the API under uvicorn.

Each runs as its own OS process, configured only through its command line and environment, with
its output in a log file under the test's tmp_path, so a test can SIGKILL or SIGTERM one of them
and start it again exactly as an operator would. Ports are picked free on 127.0.0.1 and kept
across restarts, so clients that were connected before reconnect to the same address.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import httpx
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType

from store.settings import StoreSettings
from tests.history_export import current_test, export_histories
from tests.history_folder import record_export_error
from tests.temporal_env import DEV_SERVER_TUNING_ARGS, codec_converter, temporal_binary
from workflows.naming import REGISTRY

ROOT = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT_S = 30.0

#: `temporal server start-dev --search-attribute NAME=TYPE` spells the types like this.
_CLI_TYPES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; a race with another binder is unlikely)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Process:
    """One child process: argv + environment, output appended to `log_path`."""

    def __init__(self, argv: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self._argv = argv
        self._env = dict(env)
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def _spawn(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self._argv, cwd=ROOT, env=self._env, stdout=log, stderr=log
            )

    async def kill(self) -> None:
        """SIGKILL: no draining, no goodbyes — as a crashed machine would leave it."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM, as an operator's stop or a redeploy would; SIGKILL if it is still there after 15 s."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=15)
            except TimeoutError:
                await self.kill()

    def _check_alive(self, what: str) -> None:
        if self.process is not None and self.process.returncode is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            raise RuntimeError(f"{what} exited with {self.process.returncode} while starting:\n{tail}")


class WorkerProcess(_Process):
    """`python worker.py` as its own OS process, configured only through the environment.

    The worker's Prometheus endpoint is off unless `metrics_address` is given, so several
    workers (or a killed one and its replacement) never compete for one port.
    """

    def __init__(
        self,
        *,
        temporal_address: str,
        store: StoreSettings,
        task_queue: str,
        log_path: Path,
        log_level: str = "WARNING",
        metrics_address: str = "",
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal_address,
            "DATABASE_URL": store.database_url,
            "ENGAGE_TASK_QUEUE": task_queue,
            "ENGAGE_LOG_LEVEL": log_level,
            "ENGAGE_WORKER_METRICS_ADDRESS": metrics_address,
            **(extra_env or {}),
        }
        if store.database_schema:
            env["DATABASE_SCHEMA"] = store.database_schema
        env.pop("SMTP_URL", None)
        super().__init__([sys.executable, str(ROOT / "worker.py")], env, log_path)

    async def start(self) -> None:
        await self._spawn()


class DevServerProcess(_Process):
    """`temporal server start-dev` on a SQLite file, with our search attributes and tuning.

    The same flags as tests/temporal_env.py and scripts/devstack.py; the port is fixed at
    construction so a restart comes back where clients expect it.
    """

    def __init__(self, *, db_path: Path, log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        argv = [temporal_binary(), "server", "start-dev", "--db-filename", str(db_path)]
        argv += ["--ip", "127.0.0.1", "--port", str(self.port), "--headless", "--log-level", "error"]
        argv += list(DEV_SERVER_TUNING_ARGS)
        for key in REGISTRY:
            argv += ["--search-attribute", f"{key.name}={_CLI_TYPES[key.indexed_value_type]}"]
        super().__init__(argv, os.environ, log_path)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start and return once the frontend answers (the namespace exists by then)."""
        await self._spawn()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            self._check_alive("temporal server start-dev")
            try:
                client = await Client.connect(self.address, data_converter=codec_converter())
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=client.namespace), timeout=timedelta(seconds=2)
                )
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    async def client(self) -> Client:
        return await Client.connect(self.address, data_converter=codec_converter())

    async def stop(self) -> None:
        """Export every run's history (for `make replay-all`, tests/history_export.py), then SIGTERM.

        Every graceful stop exports, a restart in the middle of a test too (the last stop's files
        supersede it); `kill()` does not, as a crashed server could not.
        """
        if self.running:
            try:
                await export_histories(await self.client(), visibility=True, default_label=current_test())
            except Exception as err:  # reported by the replay step, never lost silently
                record_export_error({"test": current_test().nodeid, "server": self.address, "error": repr(err)})
        await super().stop()


class ApiProcess(_Process):
    """The API as production runs it: `uvicorn --factory api.main:create_app`, on a loopback port."""

    def __init__(
        self,
        *,
        temporal_address: str,
        store: StoreSettings,
        task_queue: str,
        admin_key: str,
        log_path: Path,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal_address,
            "DATABASE_URL": store.database_url,
            "ENGAGE_TASK_QUEUE": task_queue,
            "ENGAGE_ADMIN_KEY": admin_key,
            **(extra_env or {}),
        }
        if store.database_schema:
            env["DATABASE_SCHEMA"] = store.database_schema
        argv = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory"]
        argv += ["--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning"]
        super().__init__(argv, env, log_path)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start and return once `/healthz` answers (the lifespan has connected to Temporal by then)."""
        await self._spawn()
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as http:
            while True:
                self._check_alive("uvicorn api.main:create_app")
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the API did not answer /healthz within {START_TIMEOUT_S:.0f} s")
                await asyncio.sleep(0.1)
