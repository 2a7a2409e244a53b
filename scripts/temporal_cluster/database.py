"""Temporal's two PostgreSQL databases, set up and updated by the module's own sql tool; and a
private PostgreSQL instance for the cluster tests.

`prepare()` is safe to run on every start: it creates `temporal` and `temporal_visibility` when
missing, lays down the base schema only on a database that has none, and then applies whatever
versioned updates the pinned server's schema/ folder has that the database has not seen yet (an
upgrade of deploy/temporal/VERSION is exactly this path).

`PrivatePostgres` is an initdb'd instance in a folder of its own, on its own port: the cluster
tests restart PostgreSQL under load, which must never touch the instance other tests share.
PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from scripts.temporal_cluster.layout import Binaries, Postgres

DATABASES = {"temporal": "temporal", "temporal_visibility": "visibility"}


def _sql_tool(binaries: Binaries, pg: Postgres, database: str, *command: str) -> str:
    argv = [str(binaries.sql_tool), "--plugin", "postgres12", "--ep", pg.host, "--port", str(pg.port)]
    argv += ["--user", pg.user, "--password", pg.password, "--db", database, *command]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"temporal-sql-tool {' '.join(command)} on {database} failed:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def psql(pg: Postgres, database: str, query: str) -> str:
    env = {**os.environ, "PGPASSWORD": pg.password}
    argv = [_pg_bin("psql"), "-h", pg.host, "-p", str(pg.port), "-U", pg.user, "-d", database]
    done = subprocess.run([*argv, "-tAc", query], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    for folder in reversed(versions):
        if (folder / name).exists():
            return str(folder / name)
    raise FileNotFoundError(f"{name} not found: install PostgreSQL (the postgresql package)")


def prepare(binaries: Binaries, pg: Postgres) -> list[str]:
    """Create and migrate both databases; return what was done, one line each, for the log."""
    done: list[str] = []
    existing = set(psql(pg, "postgres", "SELECT datname FROM pg_database").split())
    for database, schema in DATABASES.items():
        if database not in existing:
            _sql_tool(binaries, pg, database, "create-database")
            done.append(f"created database {database}")
        has_schema = psql(pg, database, "SELECT to_regclass('public.schema_version') IS NOT NULL") == "t"
        if not has_schema:
            _sql_tool(binaries, pg, database, "setup-schema", "-v", "0.0")
        versioned = binaries.schema_dir / "postgresql" / "v12" / schema / "versioned"
        _sql_tool(binaries, pg, database, "update-schema", "-d", str(versioned))
        version = psql(pg, database, "SELECT curr_version FROM schema_version LIMIT 1")
        done.append(f"{database}: schema version {version}")
    return done


class PrivatePostgres:
    """`initdb` + `postgres` in `folder` on `port`, trust auth on loopback; stop/start at will."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = port
        self._as_postgres = os.geteuid() == 0

    @property
    def settings(self) -> Postgres:
        return Postgres(host="127.0.0.1", port=self.port, user="postgres")

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        subprocess.run([*prefix, *argv], check=True, capture_output=True, text=True)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> float:
        """Stop (fast: open connections are cut, as in a crash-restart) and start; seconds taken."""
        began = time.monotonic()
        self.stop("fast")
        self.start()
        return time.monotonic() - began
