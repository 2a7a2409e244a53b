"""Outcome levels on the pages (issue 16): which outcomes a form offers, and the levels a form sent.

The start form and the edit page ask "What the project aims to change", a reflection's submit form
asks how far each outcome was reached: per outcome of the framework one select (empty: not an aim /
not rated; 1-5), named `<field>.<outcome key>` (`intended_outcomes.confidence`), the same path a JSON
refusal names, so a refusal from either the form's model or the API lands beside its select. The
values are then checked by the same schema and `api.projects.outcomes` as the JSON routes.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import FormData

from api.app_services import AppServices
from api.projects.outcomes import framework_for
from domain.lifecycle import LifecycleTemplate
from domain.surveys import Outcome


def outcomes_of(services: AppServices, template: LifecycleTemplate | None) -> tuple[Outcome, ...]:
    """The outcomes a project on `template` can aim at and rate (none when its framework is unknown)."""
    framework = framework_for(template, services.instruments)
    return framework.outcomes if framework is not None else ()


def outcomes_of_new_projects(services: AppServices) -> tuple[Outcome, ...]:
    """The start form's outcomes: those of the frameworks the templates offered measure, once each.
    Every shipped template measures `community-impact`; a key from another framework is checked
    against the chosen template's own when the form is sent."""
    seen: dict[str, Outcome] = {}
    for template in services.catalog.all_latest():
        for outcome in outcomes_of(services, template):
            seen.setdefault(outcome.key, outcome)
    return tuple(seen.values())


def levels_in_form(form: FormData, field: str) -> dict[str, str]:
    """The selects `<field>.<key>` that were set, by outcome key (the model turns "4" into 4, or refuses)."""
    prefix = field + "."
    return {
        name.removeprefix(prefix): value.strip()
        for name, value in form.multi_items()
        if name.startswith(prefix) and isinstance(value, str) and value.strip()
    }


def flat(field: str, levels: Mapping[str, object]) -> dict[str, str]:
    """Levels as the form's values by input name (`intended_outcomes.confidence` -> "4"), to show again."""
    return {f"{field}.{key}": str(level) for key, level in levels.items()}


def input_names(field: str, levels: Mapping[str, object]) -> dict[str, str]:
    """`form_body`'s rename: pydantic's `intended_outcomes_confidence` is the input `intended_outcomes.confidence`."""
    return {f"{field}_{key}": f"{field}.{key}" for key in levels}
