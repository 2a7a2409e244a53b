"""The lifecycle templates Engage ships, as JSON data files named `<name>.v<version>.json`.

`TemplateCatalog.load_shipped()` reads and validates them; it is called by the API and the
worker at start-up, never at import and never inside a workflow (a project carries its pinned
template in its start input). An invalid file is refused with its name and the failing field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources

from pydantic import ValidationError

from domain.lifecycle import LifecycleTemplate


class TemplateError(ValueError):
    """A template file that does not validate; the message names the file and the field."""


def parse_template(source: str, text: str) -> LifecycleTemplate:
    try:
        return LifecycleTemplate.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(template)'}: {err['msg']}" for err in exc.errors()
        )
        raise TemplateError(f"{source}: {problems}") from exc


class TemplateCatalog:
    """Every version of every template, by name. `latest(name)` is what a new project pins."""

    def __init__(self, templates: Iterable[LifecycleTemplate]) -> None:
        self._by_name: dict[str, dict[int, LifecycleTemplate]] = {}
        for template in templates:
            versions = self._by_name.setdefault(template.name, {})
            if template.version in versions:
                raise TemplateError(f"{template.ref} is defined twice")
            versions[template.version] = template

    @classmethod
    def load_shipped(cls) -> TemplateCatalog:
        folder = resources.files(__package__)
        files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
        return cls(parse_template(f.name, f.read_text(encoding="utf-8")) for f in files)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def latest(self, name: str) -> LifecycleTemplate | None:
        versions = self._by_name.get(name)
        return versions[max(versions)] if versions else None

    def get(self, name: str, version: int) -> LifecycleTemplate | None:
        return self._by_name.get(name, {}).get(version)

    def all_latest(self) -> list[LifecycleTemplate]:
        return [t for n in self.names() if (t := self.latest(n)) is not None]
