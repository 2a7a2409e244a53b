"""Where each part of a local Temporal cluster listens, and the environment that tells it so.

The server reads one committed file, deploy/temporal/config.yaml, rendered as a template from
environment variables; `ClusterLayout.server_env()` is the only place that fills them in, for
`make cluster` (fixed, well-known ports) and `make test-cluster` (free ports, a private
PostgreSQL) alike. `ClusterLayout.engage_env()` is what our own worker and API replicas are
given to reach the same cluster over mutual TLS.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy" / "temporal"
CONFIG_FILE = DEPLOY / "config.yaml"
DYNAMIC_CONFIG_FILE = DEPLOY / "dynamicconfig.yaml"
BUILD_SCRIPT = Path(__file__).resolve().parent / "build.sh"
#: The four services, in the order they start (and the reverse of the order they stop).
SERVICES = ("history", "matching", "frontend", "worker")
#: The namespace Engage runs in on the cluster, and how long closed workflows stay visible.
NAMESPACE = "engage"
RETENTION_DAYS = 30


def server_version() -> str:
    """The pinned server version: deploy/temporal/VERSION (docker-compose.yml uses the same)."""
    return (DEPLOY / "VERSION").read_text().strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_low_port() -> int:
    """A free port below 32768: the membership table stores rpc ports as a PostgreSQL smallint, so
    an ephemeral port (32768 and up on Linux) makes a service exit at start."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


@dataclass(frozen=True)
class Binaries:
    """temporal-server, temporal-sql-tool and the module's schema/ folder, as build.sh left them."""

    server: Path
    sql_tool: Path
    schema_dir: Path

    @classmethod
    def ensure(cls) -> Binaries:
        """Build once (minutes, needs Go and the module proxy), then reuse the cache (instant)."""
        done = subprocess.run([str(BUILD_SCRIPT)], check=True, stdout=subprocess.PIPE, text=True)
        cache = Path(done.stdout.strip().splitlines()[-1])
        return cls(
            server=cache / "temporal-server",
            sql_tool=cache / "temporal-sql-tool",
            schema_dir=cache / "schema",
        )


@dataclass(frozen=True)
class Postgres:
    """How the Temporal services and the sql tool reach PostgreSQL (trust or password auth)."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""


@dataclass(frozen=True)
class Ports:
    frontend: int = 7233
    frontend_http: int = 7243
    history: int = 7234
    matching: int = 7235
    worker: int = 7239
    membership: Mapping[str, int] = field(
        default_factory=lambda: {"frontend": 6933, "history": 6934, "matching": 6935, "worker": 6939}
    )

    def grpc(self, service: str) -> int:
        return {"frontend": self.frontend, "history": self.history, "matching": self.matching, "worker": self.worker}[
            service
        ]

    @classmethod
    def free(cls) -> Ports:
        """Every port picked free by the OS: a test cluster never collides with `make cluster`."""
        return cls(
            frontend=free_low_port(),
            frontend_http=free_low_port(),
            history=free_low_port(),
            matching=free_low_port(),
            worker=free_low_port(),
            membership={name: free_low_port() for name in SERVICES},
        )


@dataclass(frozen=True)
class Tls:
    """The files certs.py wrote: a CA, the frontend's certificate, and client certificates."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    system_worker_cert: Path
    system_worker_key: Path


@dataclass(frozen=True)
class ClusterLayout:
    binaries: Binaries
    postgres: Postgres
    ports: Ports
    tls: Tls
    log_level: str = "warn"

    @property
    def frontend_address(self) -> str:
        return f"127.0.0.1:{self.ports.frontend}"

    def server_argv(self, service: str) -> list[str]:
        """One service as its own process, from the committed config file."""
        assert service in SERVICES, service
        config = ["--config-file", str(CONFIG_FILE), "--allow-no-auth"]
        return [str(self.binaries.server), *config, "start", "--service", service]

    def server_env(self) -> dict[str, str]:
        """The variables deploy/temporal/config.yaml reads (the containers set the same names)."""
        p, pg, tls = self.ports, self.postgres, self.tls
        return {
            **os.environ,
            "LOG_LEVEL": self.log_level,
            "POSTGRES_SEEDS": pg.host,
            "DB_PORT": str(pg.port),
            "POSTGRES_USER": pg.user,
            "POSTGRES_PWD": pg.password,
            "BIND_ON_IP": "127.0.0.1",
            "FRONTEND_GRPC_PORT": str(p.frontend),
            "FRONTEND_HTTP_PORT": str(p.frontend_http),
            "HISTORY_GRPC_PORT": str(p.history),
            "MATCHING_GRPC_PORT": str(p.matching),
            "WORKER_GRPC_PORT": str(p.worker),
            **{f"{name.upper()}_MEMBERSHIP_PORT": str(port) for name, port in p.membership.items()},
            "DYNAMIC_CONFIG_FILE_PATH": str(DYNAMIC_CONFIG_FILE),
            "TEMPORAL_TLS_FRONTEND_CERT": str(tls.server_cert),
            "TEMPORAL_TLS_FRONTEND_KEY": str(tls.server_key),
            "TEMPORAL_TLS_CA_CERT": str(tls.ca),
            "TEMPORAL_TLS_SYSTEM_WORKER_CERT": str(tls.system_worker_cert),
            "TEMPORAL_TLS_SYSTEM_WORKER_KEY": str(tls.system_worker_key),
            "TEMPORAL_TLS_SERVER_NAME": "localhost",
        }

    def engage_env(self) -> dict[str, str]:
        """What our worker and API replicas need to reach this cluster (api/temporal_connection.py)."""
        return {
            "TEMPORAL_ADDRESS": self.frontend_address,
            "TEMPORAL_NAMESPACE": NAMESPACE,
            "TEMPORAL_TLS_CA": str(self.tls.ca),
            "TEMPORAL_TLS_CERT": str(self.tls.client_cert),
            "TEMPORAL_TLS_KEY": str(self.tls.client_key),
            "TEMPORAL_TLS_SERVER_NAME": "localhost",
        }
