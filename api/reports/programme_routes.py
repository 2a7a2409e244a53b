"""The Knowledge Exchange programme-year report as JSON: `GET /api/v1/exchange/programmes/{year}/report`.

Staff and admin only (the access table's `staff` rule: a partner key is refused 403, it never reads a
programme's report). The figures are api.reports.programme_report's, the same the page and the PDF show.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.access import access
from api.auth import Principal
from api.deps import ServicesDep
from api.errors import error_responses, not_found
from api.exchange.errors import PROGRAMME_NOT_FOUND
from api.exchange.schemas import YearPath
from api.reports.programme_report import programme_report
from api.reports.programme_schemas import ProgrammeReport

router = APIRouter(prefix="/api/v1/exchange/programmes", tags=["reports"])


@router.get("/{year}/report", responses=error_responses(401, 403, 404, 422, 503))
async def read_programme_report(
    year: YearPath,
    principal: Annotated[Principal, access("staff")],
    services: ServicesDep,
) -> ProgrammeReport:
    """The year's report: placements both ways, the aims over the follow-up waves, budget, case studies."""
    report = await programme_report(services, year, services.settings.report_min_n)
    if report is None:
        raise not_found(PROGRAMME_NOT_FOUND)
    return report
