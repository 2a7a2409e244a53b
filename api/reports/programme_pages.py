"""The Knowledge Exchange programme-year report as a staff page (`/exchange/programmes/{year}/report`) and
as a PDF (`/exchange/programmes/{year}/report.pdf`), both from the one template `reports/programme.html`.

The figures are api.reports.programme_report's, the same the JSON route answers. Each chart is inline SVG
from api.reports.charts with a table of the same figures beside it (its text alternative). The PDF is
that HTML rendered without the signed-in header (viewer None: no navigation or forms), by WeasyPrint
(api.reports.pdf: A4, "Page X of Y"); where WeasyPrint cannot load, the PDF route shows the 503 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.access import page_access
from api.app_services import services_of
from api.errors import ApiError
from api.exchange.schemas import YearPath
from api.pages.web import Viewer, as_api_error, not_found_page, render, unavailable_page
from api.reports import charts
from api.reports.pdf import pdf_response
from api.reports.programme_report import programme_report, too_few
from api.reports.programme_schemas import ProgrammeReport

router = APIRouter(include_in_schema=False)

StaffViewer = Annotated[Viewer, page_access("staff")]
TEMPLATE = "reports/programme.html"
#: Each aim in a few words, for chart titles (matplotlib does not wrap a title; the table names the aim in full).
AIM_WORDS = {
    "knowledge_and_skills": "Knowledge and skills",
    "relationships": "Relationships",
    "museum_insight": "Insight into museum work",
    "sustainable_sharing": "Sustainable sharing",
}


def report_charts(report: ProgrammeReport) -> dict[str, object]:
    """SVG charts: placements by direction, and per aim its means over the waves and each shown wave's 1-5
    distribution (a suppressed wave has no distribution chart; the means chart marks it "too few").

    CPU-bound (matplotlib, a tenth of a second or so per chart): the routes run it in a thread."""
    means: dict[str, str] = {}
    distributions: dict[tuple[str, str], str] = {}
    for aim in report.outcomes:
        if not aim.waves:
            continue
        means[aim.aim] = charts.wave_means_chart(
            [w.offset for w in aim.waves],
            [w.mean for w in aim.waves],
            [w.n for w in aim.waves],
            title=f"{AIM_WORDS.get(aim.aim, aim.aim)}: mean per wave",
        )
        for w in aim.waves:
            if w.distribution is not None:
                distributions[(aim.aim, w.offset)] = charts.distribution_chart(
                    {int(level): count for level, count in w.distribution.items()},
                    title=f"{AIM_WORDS.get(aim.aim, aim.aim)}, {w.offset}: answers",
                )
    placements = charts.count_chart(
        [d.label for d in report.placements.by_direction],
        [d.placements for d in report.placements.by_direction],
        title="Placements by direction",
        x_label="Direction",
        y_label="Placements (count)",
    )
    return {"means": means, "distributions": distributions, "placements": placements}


async def _report(request: Request, viewer: Viewer, year: int) -> ProgrammeReport | None:
    services = services_of(request)
    with as_api_error(viewer.principal):
        return await programme_report(services, year, services.settings.report_min_n)


@router.get("/exchange/programmes/{year}/report")
async def programme_report_page(request: Request, viewer: StaffViewer, year: YearPath) -> Response:
    """The year's report as a page, with a link to its PDF."""
    try:
        report = await _report(request, viewer, year)
    except ApiError as error:
        return unavailable_page(request, viewer, error)
    if report is None:
        return not_found_page(request, viewer)
    return render(
        request,
        TEMPLATE,
        viewer,
        r=report,
        c=await run_in_threadpool(report_charts, report),
        too_few=too_few(report.min_n),
        pdf=False,
    )


@router.get("/exchange/programmes/{year}/report.pdf")
async def programme_report_pdf(request: Request, viewer: StaffViewer, year: YearPath) -> Response:
    """The same report as an A4 PDF with page numbers."""
    try:
        report = await _report(request, viewer, year)
        if report is None:
            return not_found_page(request, viewer)
        page = render(
            request,
            TEMPLATE,
            None,
            r=report,
            c=await run_in_threadpool(report_charts, report),
            too_few=too_few(report.min_n),
            pdf=True,
        )
        return await pdf_response(
            bytes(page.body).decode(), f"knowledge-exchange-{year}-report.pdf", str(request.base_url)
        )
    except ApiError as error:
        return unavailable_page(request, viewer, error)
