"""`make cluster`: Engage on a real multi-service Temporal cluster on PostgreSQL, on one machine.

The production shape, started in order and stopped in reverse by one supervisor (the same helpers
as scripts/devstack.py, so Ctrl-C and a dying child behave exactly as in `make run`):

1. temporal-server and temporal-sql-tool, built once from the Go module at deploy/temporal/VERSION
   (build.sh; later runs reuse the cache);
2. the `temporal` and `temporal_visibility` databases, created and migrated by the sql tool;
3. a CA for this run and the frontend's certificate (mutual TLS), then the four services as four
   processes from deploy/temporal/config.yaml: history, matching, frontend, worker;
4. the `engage` namespace with its retention and our search attributes;
5. Engage: `alembic upgrade head` on the `engage` database, two workers, two API replicas.

Everything lives under ENGAGE_CLUSTER_DATA_DIR (default .data/cluster): logs, the CA, the admin
key. Temporal's state is in PostgreSQL, so the next run resumes where this one stopped. Settings
(all optional): ENGAGE_CLUSTER_PG_HOST / _PG_PORT / _PG_USER / _PG_PASSWORD (default
127.0.0.1:5432, user postgres), DATABASE_URL (default the `engage` database there),
ENGAGE_API_PORT (first replica; the second listens on the next port).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scripts.devstack import (
    BIN,
    ROOT,
    Interrupted,
    StackError,
    _on_signal,
    admin_key,
    check_alive,
    http_ok,
    port_open,
    spawn,
    stop,
    wait_until,
)
from scripts.temporal_cluster import certs, database, namespace
from scripts.temporal_cluster.layout import NAMESPACE, SERVICES, Binaries, ClusterLayout, Ports, Postgres

log = logging.getLogger("cluster")
Children = dict[str, subprocess.Popen[str]]


def _postgres() -> Postgres:
    return Postgres(
        host=os.environ.get("ENGAGE_CLUSTER_PG_HOST", "127.0.0.1"),
        port=int(os.environ.get("ENGAGE_CLUSTER_PG_PORT", "5432")),
        user=os.environ.get("ENGAGE_CLUSTER_PG_USER", "postgres"),
        password=os.environ.get("ENGAGE_CLUSTER_PG_PASSWORD", ""),
    )


def _ensure_engage_database(pg: Postgres) -> str:
    if "engage" not in database.psql(pg, "postgres", "SELECT datname FROM pg_database").split():
        database.psql(pg, "postgres", "CREATE DATABASE engage")
    auth = f"{pg.user}:{pg.password}" if pg.password else pg.user
    return f"postgresql+asyncpg://{auth}@{pg.host}:{pg.port}/engage"


def start_temporal(layout: ClusterLayout, logs: Path, children: Children) -> None:
    """One service at a time, each once its port answers: on a fresh database the first to start
    writes the cluster's metadata, and two doing it at once makes one of them exit."""
    env = layout.server_env()
    for service in SERVICES:
        with open(logs / f"temporal-{service}.log", "a") as out:
            children[f"temporal-{service}"] = spawn(f"temporal {service}", layout.server_argv(service), env, out)
        port = layout.ports.grpc(service)
        wait_until(f"temporal {service} on port {port}", functools.partial(port_open, "127.0.0.1", port), children)


def start_engage(layout: ClusterLayout, data_dir: Path, api_port: int, children: Children) -> list[str]:
    env = {**os.environ, **layout.engage_env(), "ENGAGE_DATA_DIR": str(data_dir)}
    env.setdefault("DATABASE_URL", _ensure_engage_database(layout.postgres))
    if not env.get("ENGAGE_ADMIN_KEY"):
        env["ENGAGE_ADMIN_KEY"] = admin_key(data_dir)
    log.info("running alembic upgrade head")
    done = subprocess.run([str(BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise StackError(f"alembic upgrade head failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    for n in (1, 2):
        worker_env = {**env, "ENGAGE_WORKER_METRICS_ADDRESS": f"127.0.0.1:{9463 + n}"}
        with open(data_dir / "logs" / f"worker-{n}.log", "a") as out:
            children[f"worker-{n}"] = spawn(f"worker {n}", [str(BIN / "python"), "worker.py"], worker_env, out)
    bases = []
    for n, port in enumerate((api_port, api_port + 1), start=1):
        argv = [str(BIN / "uvicorn"), "api.main:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port)]
        with open(data_dir / "logs" / f"api-{n}.log", "a") as out:
            children[f"api-{n}"] = spawn(f"api {n}", argv, env, out)
        bases.append(f"http://127.0.0.1:{port}")
    for base in bases:
        wait_until(f"{base}/readyz", functools.partial(http_ok, f"{base}/readyz"), children)
    return bases


def run(children: Children) -> None:
    data_dir = Path(os.environ.get("ENGAGE_CLUSTER_DATA_DIR", ".data/cluster"))
    data_dir = (data_dir if data_dir.is_absolute() else ROOT / data_dir).resolve()
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    api_port = int(os.environ.get("ENGAGE_API_PORT", "8000"))
    ports = Ports()
    for port in (ports.frontend, ports.history, ports.matching, ports.worker, api_port, api_port + 1):
        if port_open("127.0.0.1", port):
            raise StackError(f"port {port} is already in use: is `make run` or another `make cluster` running?")

    began = time.monotonic()
    log.info(
        "temporal-server %s: building once or reusing the cache", (ROOT / "deploy/temporal/VERSION").read_text().strip()
    )
    binaries = Binaries.ensure()
    pg = _postgres()
    for line in database.prepare(binaries, pg):
        log.info("%s", line)
    layout = ClusterLayout(binaries=binaries, postgres=pg, ports=ports, tls=certs.generate(data_dir / "tls"))
    start_temporal(layout, data_dir / "logs", children)
    for line in asyncio.run(namespace.register(layout)):
        log.info("%s", line)
    bases = start_engage(layout, data_dir, api_port, children)

    tls = layout.tls
    cli = (
        f"{BIN / 'temporal'} --address {layout.frontend_address} --namespace {NAMESPACE} --tls-ca-path {tls.ca} "
        f"--tls-cert-path {tls.client_cert} --tls-key-path {tls.client_key} --tls-server-name localhost"
    )
    sys.stdout.write(
        f"\nEngage is running on a Temporal cluster ({time.monotonic() - began:.0f} s). Ctrl-C stops everything.\n"
        f"  API replicas     {bases[0]}  {bases[1]}   (docs at /docs)\n"
        f"  Temporal         frontend {layout.frontend_address} (mutual TLS, namespace {NAMESPACE}); history "
        f":{ports.history}, matching :{ports.matching}, worker :{ports.worker}\n"
        f"  PostgreSQL       {pg.host}:{pg.port}: temporal, temporal_visibility, engage\n"
        f"  Workers          2 on task queue `engage` (metrics :9464, :9465)\n"
        f"  TLS files        {tls.ca.parent} (CA made for this run)\n"
        f"  Admin key        {data_dir / 'admin_key'}\n"
        f"  Logs             {data_dir / 'logs'}\n"
        f"  Temporal CLI     {cli} workflow list\n\n"
    )
    sys.stdout.flush()
    while True:
        check_alive(children)
        time.sleep(0.5)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="cluster: %(message)s")
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    children: Children = {}
    code = 0
    try:
        run(children)
    except Interrupted as why:
        log.info("%s received: shutting down", why)
    except (StackError, RuntimeError, subprocess.CalledProcessError) as err:
        log.error("%s", err)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for name in reversed(list(children)):
            stop(name, children[name])
    return code


if __name__ == "__main__":
    sys.exit(main())
