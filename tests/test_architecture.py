"""Guards on the layering that keeps workflows deterministic and the API light.

- domain/ and workflows.naming import no database or web framework (they load in the sandbox
  and in every API process);
- workflows/ imports activities by name only, never their implementations;
- the activity names workflows call are exactly those the worker registers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from temporalio import activity

from activities.registry import build_activities
from activities.settings import ActivitySettings
from workflows.activity_calls import ACTIVITY_NAMES

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def test_domain_and_workflow_naming_load_without_heavy_dependencies() -> None:
    probe = (
        "import sys, domain.lifecycle, domain.state, domain.events, domain.rules, domain.timers, "
        "domain.templates, workflows.naming; "
        "print(sorted(m for m in ('sqlalchemy', 'fastapi', 'aiosqlite', 'asyncpg', 'workflows.project') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_domain_imports_only_the_standard_library_and_pydantic() -> None:
    ours = {"domain", "workflows", "activities", "store", "api", "worker"}
    foreign = (
        {m.split(".")[0] for m in imported_modules("domain")}
        - set(sys.stdlib_module_names)
        - {"pydantic", "pydantic_core"}
    )
    assert foreign <= {"domain"}, foreign
    assert not ({m.split(".")[0] for m in imported_modules("domain")} & (ours - {"domain"}))


def test_workflows_never_import_store_api_or_activity_implementations() -> None:
    layers = {m.split(".")[0] for m in imported_modules("workflows")}
    assert not layers & {"store", "api", "activities", "sqlalchemy", "fastapi"}


def test_api_never_imports_activities() -> None:
    assert not any(m.split(".")[0] == "activities" for m in imported_modules("api"))


def test_the_activity_names_workflows_call_are_exactly_those_the_worker_registers() -> None:
    registered = {
        activity._Definition.must_from_callable(fn).name
        for fn in build_activities(sessionmaker=None, settings=ActivitySettings())  # type: ignore[arg-type]
    }
    assert registered == set(ACTIVITY_NAMES)
