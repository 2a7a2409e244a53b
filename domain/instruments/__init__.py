"""The survey instruments and outcome frameworks Engage ships, as JSON data.

Files: `<name>.v<version>.json` (instruments) and `<name>.framework.v<version>.json`. Loaded and
validated by `InstrumentCatalog.load_shipped()` at start-up (API, worker), never at import and
never in a workflow; every instrument's questions must map to outcomes its framework defines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from domain.surveys import OutcomeFramework, SurveyInstrument

M = TypeVar("M", bound=BaseModel)


class InstrumentError(ValueError):
    """A shipped instrument or framework that does not validate; names the file and the field."""


def parse(model: type[M], source: str, text: str) -> M:
    try:
        return model.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise InstrumentError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors())
        raise InstrumentError(f"{source}: {problems}") from exc


class InstrumentCatalog:
    """Instruments by `name@version`, frameworks by name. A project pins an instrument's ref."""

    def __init__(self, instruments: Iterable[SurveyInstrument], frameworks: Iterable[OutcomeFramework]) -> None:
        self.frameworks = {f.name: f for f in frameworks}
        self._instruments: dict[str, SurveyInstrument] = {}
        for instrument in instruments:
            framework = self.frameworks.get(instrument.framework)
            if framework is None:
                raise InstrumentError(f"{instrument.ref}: no outcome framework named {instrument.framework!r}")
            try:
                instrument.check_outcomes(framework)
            except ValueError as exc:
                raise InstrumentError(str(exc)) from exc
            if instrument.ref in self._instruments:
                raise InstrumentError(f"{instrument.ref} is defined twice")
            self._instruments[instrument.ref] = instrument

    @classmethod
    def load_shipped(cls) -> InstrumentCatalog:
        files = sorted(
            (f for f in resources.files(__package__).iterdir() if f.name.endswith(".json")), key=lambda f: f.name
        )
        frameworks = [parse(OutcomeFramework, f.name, f.read_text("utf-8")) for f in files if ".framework." in f.name]
        instruments = [
            parse(SurveyInstrument, f.name, f.read_text("utf-8")) for f in files if ".framework." not in f.name
        ]
        return cls(instruments, frameworks)

    def get(self, ref: str) -> SurveyInstrument | None:
        return self._instruments.get(ref)

    def latest_ref(self, name: str) -> str | None:
        versions = [i.version for i in self._instruments.values() if i.name == name]
        return f"{name}@{max(versions)}" if versions else None

    def all(self) -> list[SurveyInstrument]:
        return [self._instruments[k] for k in sorted(self._instruments)]

    def framework_of(self, instrument: SurveyInstrument) -> OutcomeFramework:
        return self.frameworks[instrument.framework]
