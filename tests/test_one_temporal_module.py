"""Guard on "one module talks to Temporal" (issue 13): nothing else in api/ holds a workflow handle.

Before issue 13 six api/ modules called Temporal, each with its own handle, timeout and not-found
handling (and two codes for "ended"). Now `api.temporal_calls` starts, updates, queries, signals and
describes every workflow, `api.temporal_schedules` writes the yearly schedule, and
`api.workflow_health` reads a workflow's description and history for "is it stuck?"; their failures
are mapped once (api.temporal_refusals, api.errors). A feature module that called the SDK itself would
map its failures itself again: this test fails then.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "api"

#: The modules allowed to call Temporal's client, relative to api/.
TEMPORAL_MODULES = {"temporal_calls.py", "temporal_schedules.py", "workflow_health.py"}
#: Calls on a Temporal client or handle: their failures need the one mapping.
CLIENT_CALLS = {
    "start_workflow",
    "execute_workflow",
    "get_workflow_handle",
    "get_workflow_handle_for",
    "execute_update",
    "start_update",
    "get_update_handle",
    "query",
    "signal",
    "describe",
    "terminate",
    "fetch_history_events",
    "list_workflows",
    "create_schedule",
    "get_schedule_handle",
    "workflow_service",
}
#: What a module may call these verbs on: our own module, imported under any of these names.
OUR_MODULES = {"api.temporal_calls", "api.temporal_schedules"}


def our_aliases(tree: ast.Module) -> set[str]:
    """The local names bound to api.temporal_calls / api.temporal_schedules in this module."""
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "api":
            aliases.update(a.asname or a.name for a in node.names if f"api.{a.name}" in OUR_MODULES)
        elif isinstance(node, ast.Import):
            aliases.update(a.asname or a.name for a in node.names if a.name in OUR_MODULES)
    return aliases


def temporal_calls_in(path: Path) -> list[str]:
    """`line: receiver.verb` for each call of a client verb on something other than our module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ours = our_aliases(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr not in CLIENT_CALLS:
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ours:
            continue
        found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_temporal_modules_call_temporal() -> None:
    offenders = {
        path.relative_to(API).as_posix(): calls
        for path in sorted(API.rglob("*.py"))
        if path.relative_to(API).as_posix() not in TEMPORAL_MODULES and (calls := temporal_calls_in(path))
    }
    assert offenders == {}, "call Temporal through api.temporal_calls (or api.temporal_schedules)"


def test_the_temporal_modules_are_where_the_calls_are() -> None:
    # The guard is not vacuous: the verbs it looks for are there, in the allowed modules.
    for name in TEMPORAL_MODULES:
        assert temporal_calls_in(API / name), name
