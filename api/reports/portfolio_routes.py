"""`GET /api/v1/reports/impact?from=&to=&template=&partner=`: the portfolio impact report as JSON, for staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.access import access
from api.auth import Principal
from api.deps import ServicesDep, SessionDep
from api.errors import error_responses
from api.reports.portfolio_query import report_for
from api.reports.portfolio_schemas import PortfolioReport

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

FromQuery = Annotated[
    date | None, Query(alias="from", description="First day, inclusive (default: a year before `to`).")
]
ToQuery = Annotated[date | None, Query(alias="to", description="Last day, inclusive (default: today).")]
TemplateQuery = Annotated[str | None, Query(max_length=64, description="A lifecycle template's name.")]
PartnerQuery = Annotated[str | None, Query(max_length=64, description="A partner's id.")]


@router.get("/impact", responses=error_responses(401, 403, 422))
async def impact_report(
    principal: Annotated[Principal, access("staff")],
    services: ServicesDep,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
    template: TemplateQuery = None,
    partner: PartnerQuery = None,
) -> PortfolioReport:
    """The portfolio across projects over a period: projects by stage and template (those created in the
    period), per outcome participants' mean answer and n (answers submitted in the period) beside the
    intention, partner and museum levels averaged over the projects that have them, response rates per
    wave offset, and the same year on year. Groups of fewer than `ENGAGE_REPORT_MIN_N` respondents are
    null with `suppressed: true`. A bad date, an unknown template or partner, or `from` after `to`: 422."""
    return await report_for(services, session, start, end, template, partner)
