"""The portfolio impact report as a staff page (`/reports/impact`, a GET filter form above the report) and as
a PDF (`/reports/impact.pdf`, the same query), both from the one template `reports/portfolio.html`.

The figures are api.reports.portfolio_query's `report_for`, the same the JSON route answers. Each chart is
inline SVG from api.reports.charts with a table of the same figures beside it (its text alternative). A
query the JSON route would refuse (a bad date, `from` after `to`, an unknown template or partner) shows the
form again with the reason beside the field, answered 422. The PDF is the page without the signed-in header
(viewer None) and without the form, rendered by WeasyPrint (api.reports.pdf: A4, "Page X of Y").
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError
from api.pages.web import FormError, Viewer, as_api_error, render, unavailable_page
from api.reports import charts
from api.reports.pdf import pdf_response
from api.reports.portfolio_query import parse_day, report_for
from api.reports.portfolio_schemas import TOO_FEW, PortfolioReport, YearTrend
from store.reports.portfolio_reads import partner_choices

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]
TEMPLATE = "reports/portfolio.html"
FIELDS = ("from", "to", "template", "partner")


def report_charts(report: PortfolioReport) -> dict[str, str]:
    """SVG charts: projects by stage, each outcome's four views side by side, response rate per wave offset,
    and participants' mean per outcome year on year. Suppressed or missing figures draw no bar."""
    titles = [o.title for o in report.outcomes]
    made = {
        "stages": charts.count_chart(
            [s.stage.replace("_", " ") for s in report.projects.by_stage],
            [s.projects for s in report.projects.by_stage],
            title="Projects by stage",
            x_label="Stage now",
            y_label="Projects (count)",
        ),
        "outcomes": charts.comparison_chart(
            titles,
            {
                "Intention": [o.intention.mean for o in report.outcomes],
                "Partner": [o.partner.mean for o in report.outcomes],
                "Museum": [o.museum.mean for o in report.outcomes],
                "Participants": [o.participants.mean for o in report.outcomes],
            },
            title="Outcomes across projects",
            n_note="participants n = " + ", ".join(str(o.participants.respondents or 0) for o in report.outcomes),
        ),
    }
    if report.response_rates:
        made["rates"] = charts.rate_chart(
            [r.offset for r in report.response_rates],
            [r.invited for r in report.response_rates],
            [r.answered for r in report.response_rates],
            title="Response rate per wave",
        )
    if report.trends:
        made["trends"] = charts.comparison_chart(
            titles,
            {str(t.year): [o.participants.mean for o in t.outcomes] for t in report.trends},
            title="Participants' mean by year",
            n_note="n = " + "; ".join(f"{t.year}: {_people(t)}" for t in report.trends),
        )
    return made


def _people(trend: YearTrend) -> str:
    """How many people a year's means stand on (the most on any outcome), or that they are too few to say."""
    if any(o.participants.suppressed for o in trend.outcomes):
        return "too few"
    return str(max((o.participants.respondents or 0) for o in trend.outcomes))


async def _form_choices(request: Request) -> dict[str, Any]:
    services = services_of(request)
    async with services.sessionmaker() as session:
        partners = await partner_choices(session)
    return {
        "templates": [("", "Any template"), *((n, n) for n in services.catalog.names())],
        "partners": [("", "Any partner"), *partners],
    }


async def _report(request: Request, viewer: Viewer) -> tuple[PortfolioReport, dict[str, str]]:
    """The report for the page's query, with its charts (made off the event loop: matplotlib is CPU work)."""
    services = services_of(request)
    sent = request.query_params
    with as_api_error(viewer.principal):
        start, end = parse_day("from", sent.get("from")), parse_day("to", sent.get("to"))
        async with services.sessionmaker() as session:
            report = await report_for(services, session, start, end, sent.get("template"), sent.get("partner"))
    return report, await run_in_threadpool(report_charts, report)


def _context(report: PortfolioReport | None, made: dict[str, str], values: dict[str, str]) -> dict[str, Any]:
    query = urlencode({k: v for k, v in values.items() if v})
    return {
        "r": report,
        "c": made,
        "values": values,
        "query": f"?{query}" if query else "",
        "too_few": TOO_FEW.format(min_n=report.min_n) if report else "",
    }


@router.get("/reports/impact")
async def portfolio_report_page(request: Request, viewer: StaffViewer) -> Response:
    """The filter form and, below it, the report for what it says (by default the last 12 months)."""
    sent = {k: request.query_params.get(k, "")[:64] for k in FIELDS}
    choices = await _form_choices(request)
    try:
        report, made = await _report(request, viewer)
    except ApiError as error:
        if error.status_code != status.HTTP_422_UNPROCESSABLE_CONTENT:
            return unavailable_page(request, viewer, error)
        context = _context(None, {}, sent)
        refused = FormError.of(error)
        return render(
            request, TEMPLATE, viewer, status_code=error.status_code, error=refused, pdf=False, **context, **choices
        )
    values = sent | {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()}
    return render(request, TEMPLATE, viewer, error=None, pdf=False, **_context(report, made, values), **choices)


@router.get("/reports/impact.pdf")
async def portfolio_report_pdf(request: Request, viewer: StaffViewer) -> Response:
    """The same report as an A4 PDF with page numbers (a refused query: the form page, 422)."""
    try:
        report, made = await _report(request, viewer)
        values = {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()}
        context = _context(report, made, values) | await _form_choices(request)
        page = render(request, TEMPLATE, None, error=None, pdf=True, **context)
        name = f"impact-{report.period.start.isoformat()}-to-{report.period.end.isoformat()}.pdf"
        return await pdf_response(bytes(page.body).decode(), name, str(request.base_url))
    except ApiError as error:
        if error.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:
            return await portfolio_report_page(request, viewer)
        return unavailable_page(request, viewer, error)
