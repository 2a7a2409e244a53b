"""Record RetentionWorkflow's history for the replay suite: `python -m tests.replay.record_retention_history`.

Issue 14's shape: one daily run, its one activity (erase_expired_personal_data) run for real against a
fresh SQLite file seeded with made-up people past their period, so the result holds non-zero counts.
Same rules as tests/replay/record_history.py: a file that exists is left alone, never regenerated; the
history holds run ids, times and counts only (and is encrypted with the test key besides).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from store.migrate import upgrade_to_head
from store.session import create_engine, create_sessionmaker
from tests.activities.retention_builders import seed
from tests.db_fixtures import sqlite_settings
from tests.replay.record_history import HISTORIES, Histories
from tests.temporal_env import start_time_skipping
from worker import build_worker
from workflows.naming import REGISTRY, RETENTION_WORKFLOW, RETENTION_WORKFLOW_ID

PATH = HISTORIES / "retention-erases-v1.json"


async def _run(env: WorkflowEnvironment, folder: Path) -> Histories:
    settings = sqlite_settings(folder / "engage.db")
    await upgrade_to_head(settings)
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        await seed(sessionmaker, await env.get_current_time())
        task_queue = f"record-{uuid.uuid4().hex}"
        worker = build_worker(
            env.client,
            task_queue=task_queue,
            sessionmaker=sessionmaker,
            activity_settings=ActivitySettings(),
            strict_sandbox=True,
        )
        async with worker:
            handle = await env.client.start_workflow(
                RETENTION_WORKFLOW,
                id=f"{RETENTION_WORKFLOW_ID}-history",
                task_queue=task_queue,  # by name: see api/retention/schedule.py
            )
            await handle.result()
        return {PATH: await handle.fetch_history()}
    finally:
        await engine.dispose()


async def record_retention() -> bool:
    if PATH.exists():
        return False
    env = await start_time_skipping(REGISTRY)
    try:
        with tempfile.TemporaryDirectory() as folder:
            histories = await _run(env, Path(folder))
    finally:
        await env.shutdown()
    for target, history in histories.items():
        target.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n", encoding="utf-8")
    return True


if __name__ == "__main__":
    written = asyncio.run(record_retention())
    sys.stdout.write(f"retention-erases-v1: {'written' if written else 'exists, left alone'}\n")
