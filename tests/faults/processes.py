"""Real worker processes for fault tests: started with `python worker.py`, killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from store.settings import StoreSettings

ROOT = Path(__file__).resolve().parent.parent.parent


class WorkerProcess:
    """`python worker.py` as its own OS process, configured only through the environment."""

    def __init__(self, *, temporal_address: str, store: StoreSettings, task_queue: str, log_path: Path) -> None:
        self._env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal_address,
            "DATABASE_URL": store.database_url,
            "ENGAGE_TASK_QUEUE": task_queue,
            "ENGAGE_LOG_LEVEL": "WARNING",
        }
        if store.database_schema:
            self._env["DATABASE_SCHEMA"] = store.database_schema
        self._env.pop("SMTP_URL", None)
        self._log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        log = self._log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "worker.py"), cwd=ROOT, env=self._env, stdout=log, stderr=log
        )
        log.close()

    async def kill(self) -> None:
        """SIGKILL: no draining, no goodbyes — as a crashed machine would leave it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=15)
            except TimeoutError:
                await self.kill()
