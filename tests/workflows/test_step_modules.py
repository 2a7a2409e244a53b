"""The workflow modules the sandbox passes through stay deterministic (issue 13).

The SDK reloads only a workflow's own module inside the sandbox; everything it imports is passed
through from the host (and the strict test sandbox refuses anything not passed through on purpose).
So the kit and the step modules split out of project.py and exchange.py run with the host's
`datetime`, `time` and `random`: the sandbox would not stop `datetime.now()` there. This test does:
those modules import nothing that reads a clock, randomness, the environment or the network, and
never ask a date or time for "now" except through `workflow.now()`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
#: Passed-through modules holding workflow code (not the workflow modules, which the sandbox reloads).
STEP_MODULES = ("kit.py", "project_steps.py", "project_relations.py", "exchange_steps.py")
FORBIDDEN_IMPORTS = {"random", "time", "uuid", "os", "socket", "threading", "secrets", "subprocess"}
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic"}


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            else:
                names = [(node.module or "").split(".")[0]]
            problems += [f"{path.name}:{node.lineno} imports {n}" for n in names if n in FORBIDDEN_IMPORTS]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_CALLS:
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id == "workflow"):
                problems.append(f"{path.name}:{node.lineno} calls .{node.func.attr}() outside workflow.*")
    return problems


@pytest.mark.parametrize("module", STEP_MODULES)
def test_passed_through_workflow_code_reads_no_clock_randomness_or_environment(module: str) -> None:
    assert _problems(WORKFLOWS / module) == []


def test_the_guard_catches_a_clock_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import random\nfrom datetime import datetime\n\ndef f():\n    return datetime.now()\n")
    assert _problems(sample) == ["sample.py:1 imports random", "sample.py:5 calls .now() outside workflow.*"]
