"""End-to-end API fixtures: the real app, a real worker on the dev server, a real database.

`api` runs the app exactly as production wires it (create_app + lifespan) with the session's dev
server client and this test's migrated database (SQLite and PostgreSQL, via `sessionmaker`), and a
worker built by worker.build_worker on this test's own task queue. Requests go through
httpx's ASGITransport, authenticated by default with the bootstrap admin key (ENGAGE_ADMIN_KEY).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.settings import ActivitySettings
from api.main import create_app
from api.settings import ApiSettings
from worker import build_worker

ADMIN_KEY = "engage_test-admin-key-not-for-production"


@dataclass
class Api:
    http: httpx.AsyncClient
    app: FastAPI
    client: Client
    sessionmaker: async_sessionmaker[AsyncSession]
    task_queue: str


def http_client(app: FastAPI, key: str | None = ADMIN_KEY) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://engage.test", headers=headers)


@pytest.fixture
async def api(
    temporal_dev_env: WorkflowEnvironment,
    task_queue: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> AsyncIterator[Api]:
    client = temporal_dev_env.client
    worker = build_worker(
        client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(smtp_url=None),
        max_cached_workflows=100,
        strict_sandbox=True,
    )
    # 👉 Evidence files (issue 15) go to this test's own data directory, never the work tree's .data/.
    settings = ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue, data_dir=tmp_path / "data")
    app = create_app(settings, client=client, sessionmaker=sessionmaker)
    async with worker, app.router.lifespan_context(app), http_client(app) as http:
        yield Api(http=http, app=app, client=client, sessionmaker=sessionmaker, task_queue=task_queue)
