"""The whole production shape as real processes, for the cluster tests: a private PostgreSQL, the
four Temporal services from the committed config, two workers and two API replicas.

Built from the same pieces `make cluster` uses (scripts/temporal_cluster: binaries, databases,
certificates, namespace) and the fault tests' process helpers (tests/faults/processes.py), so a
test can SIGKILL any one process and start it again exactly as an operator would. Every port is
picked free, and PostgreSQL is an instance of this run's own (a restart of it is one of the
faults): the shared instance on 5432 is never touched.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import TLSConfig

from scripts.temporal_cluster import certs, database, namespace
from scripts.temporal_cluster.layout import NAMESPACE, SERVICES, Binaries, ClusterLayout, Ports, free_port
from store.session import create_engine, create_sessionmaker
from store.settings import StoreSettings
from tests.faults.processes import ROOT, ApiProcess, WorkerProcess, _Process
from tests.temporal_env import codec_converter
from workflows.naming import TASK_QUEUE

ADMIN_KEY = "engage_cluster-tests-admin-key-not-for-production"


class ServiceProcess(_Process):
    """One Temporal service (`temporal-server start --service <name>`) from deploy/temporal/config.yaml."""

    def __init__(self, layout: ClusterLayout, service: str, log_path: Path) -> None:
        self.service = service
        self.port = layout.ports.grpc(service)
        super().__init__(layout.server_argv(service), layout.server_env(), log_path)

    async def start(self, within: float = 60.0) -> None:
        """Start and return once its gRPC port accepts connections."""
        await self._spawn()
        deadline = time.monotonic() + within
        while True:
            self._check_alive(f"temporal {self.service}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"temporal {self.service} not listening on {self.port}") from None
                await asyncio.sleep(0.1)


class RoundRobin(httpx.AsyncBaseTransport):
    """Each request to the next API replica in turn, as a load balancer would send them.

    A replica that refuses the connection (it is down) is skipped for that request, as a load
    balancer's health check would: the request was never sent, so trying the next one is safe.
    `sent` counts requests per replica, so a test can show both replicas served.
    """

    def __init__(self, apis: list[ApiProcess]) -> None:
        self._apis = apis
        self._next = itertools.cycle(range(len(apis)))
        self._transport = httpx.AsyncHTTPTransport()
        self.sent = [0] * len(apis)
        self.skipped = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        last: Exception | None = None
        for _ in range(len(self._apis)):
            index = next(self._next)
            request.url = request.url.copy_with(host="127.0.0.1", port=self._apis[index].port)
            try:
                response = await self._transport.handle_async_request(request)
            except httpx.ConnectError as err:
                self.skipped += 1
                last = err
                continue
            self.sent[index] += 1
            return response
        assert last is not None
        raise last

    async def aclose(self) -> None:
        """Shared by every client of the run: closing one of them must not close it (see close())."""

    async def close(self) -> None:
        await self._transport.aclose()


@dataclass
class Cluster:
    layout: ClusterLayout
    postgres: database.PrivatePostgres
    services: dict[str, ServiceProcess]
    workers: list[WorkerProcess]
    apis: list[ApiProcess]
    store: StoreSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    client: Client
    balancer: RoundRobin
    http: httpx.AsyncClient
    logs: Path
    started_in_s: float

    def worker(self, name: str) -> WorkerProcess:
        return WorkerProcess(
            temporal_address=self.layout.frontend_address,
            store=self.store,
            task_queue=TASK_QUEUE,
            log_path=self.logs / f"{name}.log",
            log_level="WARNING",
            extra_env=self.layout.engage_env(),
        )

    def http_as(self, key: str | None) -> httpx.AsyncClient:
        """Another client through the same replicas, with another key (a partner's), or none."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.AsyncClient(transport=self.balancer, base_url="http://engage.cluster", headers=headers, timeout=60)


async def connect(layout: ClusterLayout) -> Client:
    tls = TLSConfig(
        server_root_ca_cert=layout.tls.ca.read_bytes(),
        client_cert=layout.tls.client_cert.read_bytes(),
        client_private_key=layout.tls.client_key.read_bytes(),
        domain="localhost",
    )
    return await Client.connect(layout.frontend_address, namespace=NAMESPACE, tls=tls, data_converter=codec_converter())


def _migrate(store: StoreSettings, env_extra: dict[str, str]) -> None:
    env = {**env_extra, "DATABASE_URL": store.database_url}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "alembic"), "upgrade", "head"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


async def start_cluster(workdir: Path) -> Cluster:
    """Start everything in order; if a part fails to start, stop what did start before raising."""
    began = time.monotonic()
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    binaries = await asyncio.to_thread(Binaries.ensure)
    # PostgreSQL runs as the `postgres` user when we are root: its folder must be one it can reach.
    pg = database.PrivatePostgres(Path(tempfile.mkdtemp(prefix="engage-cluster-pg-")), free_port())
    started: list[_Process] = []
    try:
        await asyncio.to_thread(pg.init)
        await asyncio.to_thread(pg.start)
        await asyncio.to_thread(database.prepare, binaries, pg.settings)
        database.psql(pg.settings, "postgres", "CREATE DATABASE engage")
        layout = ClusterLayout(
            binaries=binaries, postgres=pg.settings, ports=Ports.free(), tls=certs.generate(workdir / "tls")
        )
        services = {name: ServiceProcess(layout, name, logs / f"temporal-{name}.log") for name in SERVICES}
        for name in SERVICES:  # one at a time: the first writes the cluster metadata
            started.append(services[name])
            await services[name].start()
        await namespace.register(layout)
        store = StoreSettings(database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{pg.port}/engage")
        await asyncio.to_thread(_migrate, store, layout.engage_env())
        apis = [
            ApiProcess(
                temporal_address=layout.frontend_address,
                store=store,
                task_queue=TASK_QUEUE,
                admin_key=ADMIN_KEY,
                log_path=logs / f"api-{n}.log",
                extra_env=layout.engage_env(),
            )
            for n in (1, 2)
        ]
        engine = create_engine(store)
        balancer = RoundRobin(apis)
        cluster = Cluster(
            layout=layout,
            postgres=pg,
            services=services,
            workers=[],
            apis=apis,
            store=store,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            client=await connect(layout),
            balancer=balancer,
            http=httpx.AsyncClient(transport=balancer, base_url="http://engage.cluster"),
            logs=logs,
            started_in_s=0.0,
        )
        cluster.workers = [cluster.worker("worker-1"), cluster.worker("worker-2")]
        started += [*cluster.workers, *apis]
        await asyncio.gather(*(w.start() for w in cluster.workers), *(a.start() for a in apis))
        cluster.http = cluster.http_as(ADMIN_KEY)
        cluster.started_in_s = time.monotonic() - began
        return cluster
    except BaseException:
        for process in reversed(started):
            await process.stop()
        await asyncio.to_thread(pg.stop, "immediate")
        shutil.rmtree(pg.folder, ignore_errors=True)
        raise


async def stop_cluster(cluster: Cluster) -> None:
    await cluster.http.aclose()
    await cluster.balancer.close()
    await asyncio.gather(*(a.stop() for a in cluster.apis), *(w.stop() for w in cluster.workers))
    for name in reversed(SERVICES):
        await cluster.services[name].stop()
    await cluster.engine.dispose()
    await asyncio.to_thread(cluster.postgres.stop, "immediate")
    shutil.rmtree(cluster.postgres.folder, ignore_errors=True)
