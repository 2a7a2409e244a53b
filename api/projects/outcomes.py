"""Which outcomes a project can aim at and rate (issue 16): its framework's, checked before Temporal.

A project's outcomes are those of the framework its template's survey instrument measures
(`community-impact` for every shipped template), loaded at start-up with the instruments. A workflow
never reads files, so the keys are checked here, by every path that sends them (starting a project,
editing it, submitting a reflection; JSON route and page alike): an unknown key is a 422 naming
`intended_outcomes.<key>` or `outcome_ratings.<key>`. Levels are checked by the models themselves
(domain.outcome_ratings.Level), and whether a milestone takes ratings by the workflow (domain.rules).
"""

from __future__ import annotations

from collections.abc import Mapping

from api.app_services import AppServices
from api.errors import invalid
from domain.instruments import InstrumentCatalog
from domain.lifecycle import LifecycleTemplate
from domain.outcome_ratings import unknown_outcomes
from domain.surveys import OutcomeFramework
from store.projects import reads as project_reads

UNKNOWN_OUTCOME = "This outcome is not one of the project's framework: see the framework's outcome keys."


def framework_for(template: LifecycleTemplate | None, instruments: InstrumentCatalog) -> OutcomeFramework | None:
    """The outcome framework a template's follow-up instrument measures (None if either is unknown)."""
    if template is None:
        return None
    instrument = instruments.get(template.follow_up.instrument)
    return instruments.framework_of(instrument) if instrument is not None else None


def check_keys(levels: Mapping[str, int], framework: OutcomeFramework | None, field: str) -> None:
    """Refuse (422, `<field>.<key>`) the first outcome key the framework does not define."""
    if not levels:
        return
    known = {o.key for o in framework.outcomes} if framework is not None else set()
    unknown = unknown_outcomes(dict(levels), known)
    if unknown:
        name = framework.title if framework is not None else "its outcome framework"
        reason = f"{unknown[0]!r} is not an outcome of {name}"
        raise invalid(f"{field}.{unknown[0]}", reason, UNKNOWN_OUTCOME)


async def project_framework(services: AppServices, project_id: str) -> OutcomeFramework | None:
    """The framework of a recorded project's pinned template (None when the project is not recorded)."""
    async with services.sessionmaker() as session:
        row = await project_reads.get_project(session, project_id)
    if row is None:
        return None
    return framework_for(services.catalog.get(row.template_name, row.template_version), services.instruments)


async def check_project_keys(services: AppServices, project_id: str, levels: Mapping[str, int], field: str) -> None:
    """`check_keys` against the project's framework, looked up only when levels came. A project not
    recorded (yet) is left to the workflow, which answers 404 for one that does not exist."""
    if levels and (framework := await project_framework(services, project_id)) is not None:
        check_keys(levels, framework, field)
