"""The worker process for the raw primitives: `python -m bench.raw_worker`.

Configured like worker.py (TEMPORAL_ADDRESS via the SDK's envconfig, the pydantic converter, the
default sandbox) so that the only difference from Engage's worker is the workflow code it runs.
BENCH_RAW_TASK_QUEUE names its task queue; ENGAGE_MAX_CACHED_WORKFLOWS sizes its cache as
worker.py's setting of the same name does.
"""

from __future__ import annotations

import asyncio
import os
import signal

from temporalio.client import Client
from temporalio.envconfig import ClientConfig
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from api.temporal_connection import data_converter
from bench.raw_workflows import RawWorkflow, TimerWorkflow, noop


async def main() -> None:
    config = ClientConfig.load_client_connect_config()
    config.setdefault("target_host", "localhost:7233")
    client = await Client.connect(**config, data_converter=data_converter())
    worker = Worker(
        client,
        task_queue=os.environ["BENCH_RAW_TASK_QUEUE"],
        workflows=[RawWorkflow, TimerWorkflow],
        activities=[noop],
        max_cached_workflows=int(os.environ.get("ENGAGE_MAX_CACHED_WORKFLOWS", "2000")),
        workflow_runner=SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
