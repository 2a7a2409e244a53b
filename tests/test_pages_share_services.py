"""Guards on "pages call the same services as the JSON routes" (issue 13).

A page handler parses its form into the request schema and calls the feature's service function;
it never builds a workflow's input itself, never calls Temporal and never writes the store, so a
page cannot drift from its JSON route (another payload, another update id, another refusal).
And `request.app.state` is read in one place, `api.app_services.services_of`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "api"

#: What builds a workflow's input or changes a workflow: services do that, pages don't. (Reading a
#: workflow's state goes through the same read functions as the JSON routes, and is allowed.)
SERVICE_ONLY_MODULES = ("workflows", "domain.submissions")
SERVICE_ONLY_NAMES = {"run_update", "execute_update", "start_update", "start_workflow", "signal", "update_id"}
#: Pages that write the store themselves, and why that is theirs: signing in and out is page plumbing.
STORE_WRITING_PAGES = {"partners/signin_pages.py"}


def page_modules() -> list[Path]:
    pages = [p for p in API.rglob("*.py") if p.name == "pages.py" or p.name.endswith("_pages.py")]
    return sorted(p for p in pages if p.parent.name != "pages")


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """The modules `path` imports from, and the names it imports or calls as attributes."""
    modules: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            # `from store.partners import writes` imports the module store.partners.writes
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            names.add(node.attr)
    return modules, names


def test_there_are_page_modules_to_check() -> None:
    found = {p.relative_to(API).as_posix() for p in page_modules()}
    assert {"projects/action_pages.py", "exchange/pages.py", "partners/pages.py"} <= found, found


def test_page_handlers_build_no_workflow_input_and_call_no_temporal_themselves() -> None:
    offenders: dict[str, list[str]] = {}
    for path in page_modules():
        modules, names = imports_of(path)
        wrong = [m for m in modules if m.startswith(SERVICE_ONLY_MODULES)]
        wrong += sorted(names & SERVICE_ONLY_NAMES)
        if wrong:
            offenders[path.relative_to(API).as_posix()] = wrong
    assert offenders == {}, f"pages doing a service's work (move it into the feature's service): {offenders}"


def test_page_handlers_write_the_store_only_through_services() -> None:
    offenders = {
        path.relative_to(API).as_posix()
        for path in page_modules()
        if any(m.startswith("store.") and m.endswith(".writes") for m in imports_of(path)[0])
    }
    assert offenders <= STORE_WRITING_PAGES, offenders - STORE_WRITING_PAGES


def test_app_state_is_read_only_through_the_one_accessor() -> None:
    """`api.main` and `api.pages.mount` put things on app.state; `services_of` reads them."""
    readers: list[str] = []
    for path in API.rglob("*.py"):
        where = path.relative_to(API).as_posix()
        if where in {"main.py", "pages/mount.py", "app_services.py"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "state":
                inner = node.value
                if isinstance(inner, ast.Attribute) and inner.attr == "app":
                    readers.append(f"{where}:{node.lineno}")
    assert readers == [], f"read app.state through api.app_services.services_of instead: {readers}"
