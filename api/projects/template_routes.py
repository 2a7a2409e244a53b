"""The lifecycle templates a project can follow (the shipped catalog, every version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access import access
from api.auth import Principal
from api.deps import CatalogDep
from api.errors import TEMPLATE_NOT_FOUND, error_responses, not_found
from api.projects.schemas import TemplateSummary
from api.schemas import Page
from domain.lifecycle import LifecycleTemplate

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])


@router.get("", responses=error_responses(401))
async def list_templates(
    principal: Annotated[Principal, access("signed_in")], catalog: CatalogDep
) -> Page[TemplateSummary]:
    """The latest version of every template."""
    items = [
        TemplateSummary(
            name=t.name,
            version=t.version,
            kind=t.kind,
            title=t.title,
            description=t.description,
            stages=[s.stage for s in t.stages],
        )
        for t in catalog.all_latest()
    ]
    return Page(items=items, total=len(items), limit=len(items), offset=0)


@router.get("/{name}", responses=error_responses(401, 404))
async def read_template(
    name: str,
    principal: Annotated[Principal, access("signed_in")],
    catalog: CatalogDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> LifecycleTemplate:
    """A template in full: its latest version, or `?version=`."""
    template = catalog.latest(name) if version is None else catalog.get(name, version)
    if template is None:
        raise not_found(TEMPLATE_NOT_FOUND)
    return template
