"""Record WeeklyDigestWorkflow's history for the replay suite: `python -m tests.replay.record_digest_history`.

Issue 16's shape: one weekly run, its two activities run for real: `queue_weekly_digest` against a fresh
SQLite file seeded with made-up staff and projects (tests/activities/digest_builders.py), so two digests
are queued, then `deliver_emails` sending them to an aiosmtpd server on loopback. Same rules as
tests/replay/record_history.py: a file that exists is left alone, never regenerated; the history holds
the week and counts only (and is encrypted with the test key besides).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from store.migrate import upgrade_to_head
from store.session import create_engine, create_sessionmaker
from tests.activities.digest_builders import seed
from tests.db_fixtures import sqlite_settings
from tests.replay.record_history import HISTORIES, Histories
from tests.smtp_fixtures import Collector, free_port
from tests.temporal_env import start_time_skipping
from worker import build_worker
from workflows.naming import DIGEST_WORKFLOW_ID, REGISTRY, WEEKLY_DIGEST_WORKFLOW

PATH = HISTORIES / "digest-sends-v1.json"


async def _run(env: WorkflowEnvironment, folder: Path, smtp_url: str) -> Histories:
    settings = sqlite_settings(folder / "engage.db")
    await upgrade_to_head(settings)
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        await seed(sessionmaker, datetime.now(UTC))
        task_queue = f"record-{uuid.uuid4().hex}"
        worker = build_worker(
            env.client,
            task_queue=task_queue,
            sessionmaker=sessionmaker,
            activity_settings=ActivitySettings.model_validate({"SMTP_URL": smtp_url}),
            strict_sandbox=True,
        )
        async with worker:
            with env.auto_time_skipping_disabled():  # see tests/workflows/test_weekly_digest.py
                handle = await env.client.start_workflow(
                    WEEKLY_DIGEST_WORKFLOW, id=f"{DIGEST_WORKFLOW_ID}-history", task_queue=task_queue
                )  # by name: see api/digest/schedule.py
                await handle.result()
        return {PATH: await handle.fetch_history()}
    finally:
        await engine.dispose()


async def record_digest() -> bool:
    if PATH.exists():
        return False
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    env = await start_time_skipping(REGISTRY)
    try:
        with tempfile.TemporaryDirectory() as folder:
            histories = await _run(env, Path(folder), f"smtp://127.0.0.1:{port}?starttls=false")
    finally:
        await env.shutdown()
        controller.stop()
    assert len(collector.messages) == 2, "the recorded run should send two digests"
    for target, history in histories.items():
        target.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n", encoding="utf-8")
    return True


if __name__ == "__main__":
    written = asyncio.run(record_digest())
    sys.stdout.write(f"digest-sends-v1: {'written' if written else 'exists, left alone'}\n")
