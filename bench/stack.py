"""One benchmark's whole Engage stack, started fresh and torn down afterwards.

`open_stack()` starts, in this order: a Temporal dev server on an SQLite file in the stack's own
directory (bench.servers); the read model (a SQLite file, or a fresh schema in PostgreSQL `test`
that is dropped afterwards) migrated to head; Engage's worker as `python worker.py`, exactly as
production runs it; a raw worker (`python -m bench.raw_worker`) for the trivial workflows; and the
API as deployed, `api.main.create_app` served by uvicorn in a process of its own
(bench.api_process), with the raw routes beside Engage's.

Requests go over real HTTP (bench.http: aiohttp, keep-alive) with a staff API key from the
database, as the dashboard would send them. The raw primitives are called from this process on a
Temporal client of its own, against the same server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.temporal_connection import data_converter
from bench import servers
from bench.http import HttpClient, ok
from bench.raw_workflows import RawWorkflow
from store.migrate import upgrade_to_head
from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings
from workflows.naming import REGISTRY

ADMIN_KEY = "engage_bench-admin-key-not-for-production"
POSTGRES_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_URL = POSTGRES_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)


@dataclass
class Stack:
    workdir: Path
    db: str
    store: StoreSettings
    temporal_address: str
    client: Client
    sessionmaker: async_sessionmaker[AsyncSession]
    task_queue: str
    raw_task_queue: str
    children: dict[str, servers.Child] = field(default_factory=dict)
    #: How often waits on this stack poll (bench.context.BenchContext.poll_s).
    poll_s: float = 0.25
    base_url: str = ""
    http: HttpClient | None = None
    _exit: AsyncExitStack = field(default_factory=AsyncExitStack)

    def staff(self) -> HttpClient:
        assert self.http is not None, "this stack was opened without the API"
        return self.http

    async def http_client(self, key: str) -> HttpClient:
        """An HTTP client authenticated with `key`, closed with the stack."""
        client = HttpClient(self.base_url, key)
        self._exit.push_async_callback(client.aclose)
        return client

    async def new_partner(self) -> tuple[str, HttpClient]:
        """A partner organisation and an HTTP client holding its own key."""
        # A name of its own: partner names are unique (compared ignoring case and spacing).
        name = f"Riverside Community Archive {uuid.uuid4().hex[:8]}"
        body = {"name": name, "contact_name": "Contact", "contact_email": "c@example.org"}
        partner = ok(await self.staff().post("/api/v1/partners", json=body), 201)
        created = ok(await self.staff().post(f"/api/v1/partners/{partner['id']}/keys", json={"label": "portal"}), 201)
        return partner["id"], await self.http_client(created["key"])

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.sessionmaker() as session:
            return (await session.execute(text(sql), params)).scalar()

    @property
    def engage_worker_pid(self) -> int:
        return self.children["engage worker"].pid


async def _postgres(sql: str) -> None:
    try:
        connection = await asyncpg.connect(POSTGRES_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_DSN} ({exc}); start it with scripts/ensure_postgres.sh"
        ) from exc
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def _database(db: str, workdir: Path) -> AsyncIterator[StoreSettings]:
    if db == "sqlite":
        yield StoreSettings(database_url=f"sqlite+aiosqlite:///{workdir / 'engage.db'}")
        return
    schema = f"bench_{uuid.uuid4().hex[:16]}"
    await _postgres(f'CREATE SCHEMA "{schema}"')
    try:
        yield StoreSettings(database_url=POSTGRES_URL, database_schema=schema)
    finally:
        await _postgres(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _engage_env(address: str, store: StoreSettings, task_queue: str, max_cached: int | None) -> dict[str, str]:
    """The environment Engage's processes (worker and API) run with, as deployed."""
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "DATABASE_URL": store.database_url,
        "ENGAGE_TASK_QUEUE": task_queue,
    }
    env.pop("SMTP_URL", None)  # e-mails stay in the outbox ("held"): no SMTP server in a benchmark
    env.pop("DATABASE_SCHEMA", None)
    if store.database_schema:
        env["DATABASE_SCHEMA"] = store.database_schema
    if max_cached is not None:
        env["ENGAGE_MAX_CACHED_WORKFLOWS"] = str(max_cached)
    return env


@asynccontextmanager
async def open_stack(
    root: Path,
    name: str,
    *,
    db: str = "sqlite",
    api: bool = True,
    engage_worker: bool = True,
    raw_worker: bool = True,
    max_cached_workflows: int | None = None,
    poll_s: float = 0.25,
) -> AsyncIterator[Stack]:
    """Start a fresh stack under `root/name`; stop every part of it on exit, whatever happened."""
    workdir = root / f"{name}-{db}"
    workdir.mkdir(parents=True, exist_ok=False)
    async with AsyncExitStack() as exit_stack:
        store = await exit_stack.enter_async_context(_database(db, workdir))
        (server, address), _ = await asyncio.gather(servers.start_dev_server(workdir, REGISTRY), upgrade_to_head(store))
        exit_stack.push_async_callback(server.kill)
        engine = create_engine(store)
        exit_stack.push_async_callback(engine.dispose)
        client = await Client.connect(address, data_converter=data_converter())
        suffix = uuid.uuid4().hex[:8]
        stack = Stack(
            workdir=workdir,
            db=db,
            store=store,
            temporal_address=address,
            client=client,
            sessionmaker=create_sessionmaker(engine),
            task_queue=f"engage-{suffix}",
            raw_task_queue=f"raw-{suffix}",
            children={"temporal": server},
            poll_s=poll_s,
        )
        workers: list[tuple[str, servers.Child]] = []
        if engage_worker:
            env = _engage_env(address, store, stack.task_queue, max_cached_workflows)
            argv = [sys.executable, str(servers.ROOT / "worker.py")]
            workers.append(
                (stack.task_queue, servers.spawn("engage worker", argv, env=env, log_path=workdir / "worker.log"))
            )
        if raw_worker:
            env = {**os.environ, "TEMPORAL_ADDRESS": address, "BENCH_RAW_TASK_QUEUE": stack.raw_task_queue}
            if max_cached_workflows is not None:
                env["ENGAGE_MAX_CACHED_WORKFLOWS"] = str(max_cached_workflows)
            argv = [sys.executable, "-m", "bench.raw_worker"]
            workers.append(
                (stack.raw_task_queue, servers.spawn("raw worker", argv, env=env, log_path=workdir / "raw-worker.log"))
            )
        for _, child in workers:
            stack.children[child.name] = child
            exit_stack.push_async_callback(child.kill)
        await asyncio.gather(*(servers.wait_for_pollers(client, tq, [c for _, c in workers]) for tq, _ in workers))
        if api:
            await _serve_api(stack, exit_stack)
        exit_stack.push_async_callback(stack._exit.aclose)
        yield stack


async def _serve_api(stack: Stack, exit_stack: AsyncExitStack) -> None:
    port = servers.free_port()
    env = {
        **_engage_env(stack.temporal_address, stack.store, stack.task_queue, None),
        "ENGAGE_ADMIN_KEY": ADMIN_KEY,
        "BENCH_RAW_TASK_QUEUE": stack.raw_task_queue,
        "BENCH_API_PORT": str(port),
    }
    argv = [sys.executable, "-m", "bench.api_process"]
    child = servers.spawn("api", argv, env=env, log_path=stack.workdir / "api.log")
    stack.children[child.name] = child
    exit_stack.push_async_callback(child.kill)
    stack.base_url = f"http://127.0.0.1:{port}"
    admin = await stack.http_client(ADMIN_KEY)
    deadline = time.monotonic() + servers.START_TIMEOUT_S
    while True:
        child.check_alive()
        try:
            ok(await admin.get("/healthz"), 200)
            break
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline:
                raise TimeoutError("the API did not start") from None
            await asyncio.sleep(0.05)
    staff_key = ok(await admin.post("/api/v1/keys", json={"role": "staff", "label": "bench staff"}), 201)["key"]
    stack.http = await stack.http_client(staff_key)


def raw_routes(client: Client, task_queue: str) -> APIRouter:
    """The raw primitives behind the thinnest routes, mounted on the benchmark's API app only.

    Same server process, middleware and HTTP stack as Engage's routes, but no key, no validation
    beyond the path, no database: the difference between one of these and the raw call is what
    HTTP alone costs, and the rest of Engage's figure is Engage's own.
    """
    router = APIRouter(prefix="/bench/raw", include_in_schema=False)

    @router.post("/workflows", status_code=201)
    async def start_raw() -> dict[str, str]:
        handle = await client.start_workflow(RawWorkflow.run, "trivial", id=raw_id(), task_queue=task_queue)
        return {"id": handle.id}

    @router.post("/workflows/{workflow_id}/bump")
    async def bump_raw(workflow_id: str) -> dict[str, int]:
        return {"count": await client.get_workflow_handle(workflow_id).execute_update(RawWorkflow.bump, "evidence")}

    @router.get("/workflows/{workflow_id}")
    async def query_raw(workflow_id: str) -> dict[str, int]:
        return {"count": await client.get_workflow_handle(workflow_id).query(RawWorkflow.count)}

    return router


def raw_id() -> str:
    return f"raw-{uuid.uuid4().hex}"


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
