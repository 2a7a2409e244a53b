"""Browser-test fixtures: the real app served by uvicorn on loopback, a real worker, headless Chromium.

`site` serves `create_app` exactly as production wires it (with the session's dev-server client and
a migrated SQLite file of this test's own) from a uvicorn.Server task on a free loopback port, next
to a worker built by worker.build_worker on a fresh task queue. `browser` is Debian's Chromium
(/usr/bin/chromium) driven by Playwright: `playwright install` is never run (it downloads
browsers). If Chromium is missing the tests FAIL with the fix: a silent skip would hide the pages.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.settings import ActivitySettings
from api.main import create_app
from api.settings import ApiSettings
from worker import build_worker

ADMIN_KEY = "engage_pages-test-admin-key-not-for-production"
CHROMIUM = os.environ.get("ENGAGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_NO_CHROMIUM = (
    "Chromium is not at {path}. The page tests drive Debian's chromium package: install it with "
    "`scripts/ensure_chromium.sh` (apt-get install chromium), or point ENGAGE_CHROMIUM at a Chromium binary. "
    "Never `playwright install`: it downloads browsers."
)


@dataclass
class Site:
    base_url: str
    app: FastAPI
    client: Client
    sessionmaker: async_sessionmaker[AsyncSession]
    task_queue: str


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(_NO_CHROMIUM.format(path=CHROMIUM), pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    """One headless Chromium for the session; each test opens its own contexts (cookie jars)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


#: Where the page tests' screenshots go (ignored by git): one folder per test module, named without `test_`.
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """Where page tests save screenshots for a person to look at: $ENGAGE_PAGES_SCREENSHOTS, or
    tests/artifacts/<module> (e.g. tests/artifacts/accessibility/ for test_accessibility.py)."""
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    folder = Path(os.environ.get("ENGAGE_PAGES_SCREENSHOTS", ARTIFACTS / module))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pages_worker(client: Client, task_queue: str, sessionmaker: async_sessionmaker[AsyncSession]) -> Worker:
    """The worker the page tests run beside the app (no SMTP: the outbox keeps what it would send)."""
    return build_worker(
        client,
        task_queue=task_queue,
        sessionmaker=sessionmaker,
        activity_settings=ActivitySettings(smtp_url=None),
        max_cached_workflows=100,
        strict_sandbox=True,
    )


@asynccontextmanager
async def served(app: FastAPI, sock: socket.socket) -> AsyncIterator[None]:
    """`app` served by uvicorn on `sock` (lifespan on) until the block ends."""
    # 👉 log_config=None: uvicorn must not reconfigure the test process's logging.
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await serving
        sock.close()


@pytest.fixture
async def site(
    temporal_dev_env: WorkflowEnvironment,
    task_queue: str,
    sqlite_sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Site]:
    client = temporal_dev_env.client
    app = create_app(
        ApiSettings(admin_key=ADMIN_KEY, task_queue=task_queue), client=client, sessionmaker=sqlite_sessionmaker
    )
    sock = _loopback_socket()
    port = sock.getsockname()[1]
    async with pages_worker(client, task_queue, sqlite_sessionmaker), served(app, sock):
        yield Site(f"http://127.0.0.1:{port}", app, client, sqlite_sessionmaker, task_queue)
