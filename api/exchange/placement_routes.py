"""A programme's placements: staff match selected applicants into five-day placements, move their
dates, and mark and read case studies. Split from api.exchange.routes (same prefix and tags), so the
OpenAPI document lists the same paths in the same order.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from api.access import access
from api.auth import Principal
from api.callers import Caller
from api.deps import IdempotencyKeyDep, ServicesDep, SessionDep, TemporalDep
from api.errors import error_responses
from api.exchange import case_study as case_studies
from api.exchange import programme_updates, service
from api.exchange.schemas import (
    CaseStudyMarked,
    MatchCreate,
    PlacementDatesUpdate,
    PlacementPath,
    ProgrammePublic,
    YearPath,
)
from api.pages.web import SECURITY_HEADERS

router = APIRouter(prefix="/api/v1/exchange/programmes", tags=["exchange"])


@router.post("/{year}/placements/match", responses=error_responses(401, 403, 404, 409, 422, 503))
async def match_placements(
    year: YearPath,
    body: MatchCreate,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Match selected applicants into five-day placements; each starts its own placement project."""
    state = await programme_updates.match_placements(Caller(client, principal, idempotency_key), year, body)
    return service.programme_public(state)


@router.put("/{year}/placements/{placement_id}/dates", responses=error_responses(401, 403, 404, 409, 422, 503))
async def move_placement(
    year: YearPath,
    placement_id: PlacementPath,
    body: PlacementDatesUpdate,
    principal: Annotated[Principal, access("staff")],
    client: TemporalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> ProgrammePublic:
    """Move a placement's five working days (within the placement window)."""
    state = await programme_updates.move_placement(Caller(client, principal, idempotency_key), year, placement_id, body)
    return service.programme_public(state)


@router.post("/{year}/placements/{placement_id}/case-study", responses=error_responses(401, 403, 404))
async def mark_case_study(
    year: YearPath, placement_id: PlacementPath, principal: Annotated[Principal, access("staff")], session: SessionDep
) -> CaseStudyMarked:
    """Mark a placement as a case study (idempotent)."""
    await programme_updates.mark_case_study(session, year, placement_id, by=principal)
    return CaseStudyMarked(placement_id=placement_id, case_study=True)


def _wants_html(format_: str | None, accept: str | None) -> bool:
    if format_ is not None:
        return format_ == "html"
    accepted = (accept or "").lower()
    return "text/html" in accepted and "text/markdown" not in accepted


@router.get(
    "/{year}/placements/{placement_id}/case-study",
    responses=error_responses(401, 403, 404, 409)
    | {200: {"content": {"text/markdown": {}, "text/html": {}}, "description": "The case study."}},
    response_class=Response,
)
async def read_case_study(
    year: YearPath,
    placement_id: PlacementPath,
    principal: Annotated[Principal, access("staff")],
    services: ServicesDep,
    session: SessionDep,
    format_: Annotated[Literal["md", "html"] | None, Query(alias="format")] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """The placement's case study in Markdown (Accept: text/markdown, ?format=md) or HTML (?format=html)."""
    study = await case_studies.load(services, session, year, placement_id)
    if _wants_html(format_, accept):
        return HTMLResponse(case_studies.render_html(study), headers=SECURITY_HEADERS)
    return PlainTextResponse(
        case_studies.render_markdown(study),
        media_type="text/markdown; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )
