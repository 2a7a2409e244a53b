"""docker-compose.yml runs what `make cluster` runs and `make test-cluster` proves: no Docker needed.

Nothing here starts a container (CI has no Docker engine); the file is read as data and held
against the files the tested cluster uses: the server version (deploy/temporal/VERSION), the
config and dynamic config (deploy/temporal/), the namespace and retention
(scripts/temporal_cluster/layout.py), and the search attributes (workflows/naming.py REGISTRY).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints; types-PyYAML is not a dependency
from temporalio.common import SearchAttributeIndexedValueType as Kind

from scripts.temporal_cluster.database import DATABASES
from scripts.temporal_cluster.layout import (
    CONFIG_FILE,
    DYNAMIC_CONFIG_FILE,
    NAMESPACE,
    RETENTION_DAYS,
    Binaries,
    ClusterLayout,
    Ports,
    Postgres,
    Tls,
    server_version,
)
from workflows.naming import REGISTRY

ROOT = Path(__file__).resolve().parent.parent.parent
CLI_TYPES = {Kind.KEYWORD: "Keyword", Kind.KEYWORD_LIST: "KeywordList", Kind.TEXT: "Text", Kind.INT: "Int"}
#: Read by temporal-server itself (flags' environment names), not by the config template.
SERVER_FLAGS = {"TEMPORAL_SERVER_CONFIG_FILE_PATH", "TEMPORAL_ALLOW_NO_AUTH", "TEMPORAL_SERVICES"}


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def temporal_services() -> dict[str, dict[str, Any]]:
    services = compose()["services"]
    return {name: s for name, s in services.items() if s.get("image", "").startswith("temporalio/server:")}


def default_of(image: str) -> str:
    """`temporalio/server:${TEMPORAL_VERSION:-1.32.1}` → `1.32.1`."""
    match = re.search(r":\$\{[A-Z_]+:-([^}]+)\}$", image)
    assert match, f"{image}: pin a default version as ${{VAR:-x.y.z}}"
    return match.group(1)


def template_variables() -> set[str]:
    return set(re.findall(r'env "([A-Z0-9_]+)"', CONFIG_FILE.read_text()))


def test_the_four_services_run_the_pinned_version_from_the_committed_config() -> None:
    services = temporal_services()
    assert sorted(s["environment"]["TEMPORAL_SERVICES"] for s in services.values()) == sorted(
        ["frontend", "history", "matching", "worker"]
    )
    for name, service in services.items():
        assert default_of(service["image"]) == server_version(), name
        mounts = {m.split(":")[1]: m.split(":")[0] for m in service["volumes"]}
        folder = Path(mounts["/etc/temporal/engage"])
        assert (ROOT / folder).resolve() == CONFIG_FILE.parent
        env = service["environment"]
        assert env["TEMPORAL_SERVER_CONFIG_FILE_PATH"] == f"/etc/temporal/engage/{CONFIG_FILE.name}"
        assert env["DYNAMIC_CONFIG_FILE_PATH"] == f"/etc/temporal/engage/{DYNAMIC_CONFIG_FILE.name}"
        unknown = set(env) - template_variables() - SERVER_FLAGS
        assert not unknown, f"{name} sets variables deploy/temporal/config.yaml never reads: {unknown}"


def test_the_admin_tools_jobs_match_the_server_and_our_namespace() -> None:
    services = compose()["services"]
    schema, namespace = services["temporal-schema"], services["temporal-namespace"]
    for job in (schema, namespace):
        assert default_of(job["image"]) == server_version()
        assert job["image"].startswith("temporalio/admin-tools:")
    script = schema["command"][0]
    for database, folder in DATABASES.items():
        assert f"{database}:{folder}" in script
    assert "postgresql/v12/$$schema/versioned" in script
    assert namespace["environment"]["NAMESPACE"] == NAMESPACE
    assert namespace["environment"]["RETENTION"] == f"{RETENTION_DAYS}d"
    pairs = re.search(r"for pair in ((?:\w+:\w+ ?)+); do", namespace["command"][0])
    assert pairs is not None
    assert pairs.group(1).split() == [f"{key.name}:{CLI_TYPES[key.indexed_value_type]}" for key in REGISTRY]


def test_engage_reaches_the_frontend_in_the_namespace_the_job_registers() -> None:
    services = compose()["services"]
    for name in ("migrate", "worker", "api"):
        env = services[name]["environment"]
        assert env["TEMPORAL_ADDRESS"] == "temporal-frontend:7233", name
        assert env["TEMPORAL_NAMESPACE"] == NAMESPACE, name
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["api"]["deploy"]["replicas"] >= 2
    assert "auto-setup" not in (ROOT / "docker-compose.yml").read_text()


def test_the_committed_config_reads_everything_make_cluster_sets() -> None:
    """The other direction: every variable the local cluster fills in is one the template reads."""
    layout = ClusterLayout(
        binaries=Binaries(Path("s"), Path("q"), Path("d")),
        postgres=Postgres(),
        ports=Ports(),
        tls=Tls(*(Path(f"/tls/{n}") for n in range(7))),
    )
    ours = set(layout.server_env()) - set(os.environ)
    assert ours <= template_variables(), ours - template_variables()
