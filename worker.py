"""The worker: composition root that wires workflows and activities onto the `engage` task queue.

Run `python worker.py`; run more copies to scale out (they share the task queue). Settings come
from the environment with working defaults (TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL, ...).
`build_worker` is also what the tests and benchmarks use, so they run exactly this wiring.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig
from temporalio.worker import Worker

from activities.registry import build_activities
from activities.settings import ActivitySettings
from store.session import create_engine, create_sessionmaker
from store.settings import get_store_settings
from workflows.naming import TASK_QUEUE
from workflows.registry import WORKFLOWS, sandbox_runner

log = logging.getLogger("engage.worker")


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENGAGE_", extra="ignore")

    task_queue: str = TASK_QUEUE
    # ~200 KB per cached workflow with the sandbox: 2,000 keeps the cache near 400 MB, and an
    # evicted project costs one replay of its (short) history on its next event.
    max_cached_workflows: int = Field(default=2000, ge=0)
    log_level: str = "INFO"


def build_worker(
    client: Client,
    *,
    task_queue: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    activity_settings: ActivitySettings,
    max_cached_workflows: int = 2000,
    strict_sandbox: bool = False,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=build_activities(sessionmaker, activity_settings),
        max_cached_workflows=max_cached_workflows,
        workflow_runner=sandbox_runner(strict=strict_sandbox),
    )


async def connect_client() -> Client:
    """Connect as the API does: envconfig (TEMPORAL_ADDRESS, ...) plus the pydantic converter."""
    config = ClientConfig.load_client_connect_config()
    config.setdefault("target_host", "localhost:7233")
    return await Client.connect(**config, data_converter=pydantic_data_converter)


async def main() -> None:
    settings = WorkerSettings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    client = await connect_client()
    engine = create_engine(get_store_settings())
    worker = build_worker(
        client,
        task_queue=settings.task_queue,
        sessionmaker=create_sessionmaker(engine),
        activity_settings=ActivitySettings(),
        max_cached_workflows=settings.max_cached_workflows,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker polling task queue %s", settings.task_queue)
    async with worker:
        await stop.wait()
        log.info("worker draining")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
