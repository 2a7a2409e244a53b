"""The benchmark's API process: Engage's app exactly as deployed, plus the raw routes beside it.

`python -m bench.api_process` with the stack's environment (TEMPORAL_ADDRESS, DATABASE_URL,
ENGAGE_TASK_QUEUE, ENGAGE_ADMIN_KEY, BENCH_RAW_TASK_QUEUE, BENCH_API_PORT). Production runs
`uvicorn --factory api.main:create_app`, which is this app served by uvicorn with its defaults
(uvloop, httptools) in a process of its own: so here, so that the API's CPU (including the list
row it writes after answering a create) is not charged to the process that measures latency.
The raw routes (bench.stack.raw_routes) share the app, its middleware and its HTTP stack, with
a Temporal client of this process, so "raw over HTTP" differs from Engage only by Engage's work.
"""

from __future__ import annotations

import asyncio
import os

import uvicorn
import uvloop
from temporalio.client import Client

from api.main import create_app
from api.settings import ApiSettings
from api.temporal_connection import data_converter
from bench.stack import raw_routes


async def serve() -> None:
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"], data_converter=data_converter())
    app = create_app(ApiSettings(), client=client)
    app.include_router(raw_routes(client, os.environ["BENCH_RAW_TASK_QUEUE"]))
    port = int(os.environ["BENCH_API_PORT"])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve())
